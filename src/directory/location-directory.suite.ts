import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { DirectoryChange, ImportRow, LocationDirectory } from './location-directory.ts';
import { DispatcherFaultCode, isApiFault } from '../core/faults.ts';

/** One fresh, empty store per test, plus ways to reach the same store as another client. */
export interface DirectoryFixture {
  directory: LocationDirectory;
  /** A second client over the same store (another node / process); memory: the same instance. */
  peer(): Promise<LocationDirectory>;
  /** Closes nothing itself; opens the store again after `directory.close()` (undefined: not durable). */
  reopen?: () => Promise<LocationDirectory>;
  /** Closes everything the fixture opened and removes the store. */
  cleanup(): Promise<void>;
}

export interface SuiteOptions {
  /** Returns false when the test must be skipped (service unavailable). */
  ready?: (t: TestContext) => Promise<boolean>;
}

async function* rowsOf(rows: ImportRow[]): AsyncIterable<ImportRow> {
  for (const r of rows) yield r;
}

async function rejectsWith(p: Promise<unknown>, code: string, status: number, ...mentions: string[]): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isApiFault(err), `expected an ApiFault, got ${String(err)}`);
    assert.equal(err.faultcode, code);
    assert.equal(err.httpStatus, status);
    for (const m of mentions) assert.match(err.faultstring, new RegExp(m));
    return true;
  });
}

/**
 * The behaviour every `LocationDirectory` implementation must have. Run from each
 * implementation's test file with a factory that makes a fresh store per test.
 */
export function locationDirectorySuite(name: string, make: () => Promise<DirectoryFixture>, options: SuiteOptions = {}): void {
  const withFixture = (fn: (f: DirectoryFixture, t: TestContext) => Promise<void>) => async (t: TestContext) => {
    if (options.ready && !(await options.ready(t))) return;
    const f = await make();
    try {
      await fn(f, t);
    } finally {
      await f.cleanup();
    }
  };

  describe(`${name}: location directory contract`, () => {
    it('a customer put on the target reads back active on the target at version 1', withFixture(async ({ directory: d }) => {
      assert.equal(await d.getCustomer(41), undefined);
      const put = await d.putCustomer({ iCustomer: 41, system: 'target' });
      assert.equal(put.system, 'target');
      assert.equal(put.state, 'active');
      assert.equal(put.version, 1);
      assert.ok(!Number.isNaN(Date.parse(put.updatedAt)));
      const got = await d.getCustomer(41);
      assert.deepEqual(got, put);
    }));

    it('putting the same system again keeps the version; changing it increments the version', withFixture(async ({ directory: d }) => {
      await d.putCustomer({ iCustomer: 7, system: 'source' });
      assert.equal((await d.putCustomer({ iCustomer: 7, system: 'source' })).version, 1);
      const moved = await d.putCustomer({ iCustomer: 7, system: 'target' });
      assert.equal(moved.version, 2);
      assert.equal((await d.getCustomer(7))?.system, 'target');
    }));

    it('lookup keys and accounts of a record resolve to their customer', withFixture(async ({ directory: d }) => {
      await d.putCustomer({ iCustomer: 9, system: 'target', login: 'john', name: 'John Doe', refnum: 'R-9', accounts: [91, 93], accountKeys: [{ iAccount: 95, id: '15550001', login: 'john-phone' }] });
      assert.deepEqual(await d.findKey('customer-login', 'john'), { iCustomer: 9 });
      assert.deepEqual(await d.findKey('customer-name', 'John Doe'), { iCustomer: 9 });
      assert.deepEqual(await d.findKey('customer-refnum', 'R-9'), { iCustomer: 9 });
      assert.deepEqual(await d.findKey('account-id', '15550001'), { iCustomer: 9, iAccount: 95 });
      assert.deepEqual(await d.findKey('account-login', 'john-phone'), { iCustomer: 9, iAccount: 95 });
      assert.equal(await d.findKey('customer-login', 'jane'), undefined);
      assert.equal(await d.findKey('account-login', 'john'), undefined, 'kinds are separate namespaces');
      assert.deepEqual(await d.accountsOf(9), [91, 93, 95]);
      assert.equal(await d.getAccountOwner(93), 9);
      assert.equal(await d.getAccountOwner(94), undefined);
    }));

    it('putAccount and putKey add to a customer without touching its location', withFixture(async ({ directory: d }) => {
      await d.putCustomer({ iCustomer: 11, system: 'source' });
      await d.putAccount(111, 11, { id: 'ani-111', login: 'l111' });
      await d.putAccount(113, 11);
      await d.putKey('customer-refnum', 'REF11', { iCustomer: 11 });
      assert.deepEqual(await d.accountsOf(11), [111, 113]);
      assert.deepEqual(await d.findKey('account-id', 'ani-111'), { iCustomer: 11, iAccount: 111 });
      assert.deepEqual(await d.findKey('account-login', 'l111'), { iCustomer: 11, iAccount: 111 });
      assert.deepEqual(await d.findKey('customer-refnum', 'REF11'), { iCustomer: 11 });
      assert.equal((await d.getCustomer(11))?.version, 1);
      await d.putAccount(113, 13);
      assert.equal(await d.getAccountOwner(113), 13, 'an account moved to another customer follows it');
    }));

    it('begin → commit moves a customer, remembering where it came from while moving', withFixture(async ({ directory: d }) => {
      await d.putCustomer({ iCustomer: 21, system: 'source' });
      const moving = await d.beginMove(21, 'source');
      assert.deepEqual([moving.state, moving.system, moving.version], ['moving', 'source', 2]);
      assert.deepEqual((await d.listMoving()).map((c) => c.iCustomer), [21]);
      const done = await d.commitMove(21, 'target');
      assert.deepEqual([done.state, done.system, done.version], ['active', 'target', 3]);
      assert.deepEqual(await d.listMoving(), []);
      assert.deepEqual(await d.getCustomer(21), done);
    }));

    it('counts customers active on each system and moving', withFixture(async ({ directory: d }) => {
      const before = await d.countLocations();
      await d.putCustomer({ iCustomer: 31, system: 'source' });
      await d.putCustomer({ iCustomer: 33, system: 'source' });
      await d.putCustomer({ iCustomer: 32, system: 'target' });
      await d.putCustomer({ iCustomer: 35, system: 'source' });
      await d.beginMove(35, 'source');
      const after = await d.countLocations();
      assert.deepEqual({ source: after.source - before.source, target: after.target - before.target, moving: after.moving - before.moving }, { source: 2, target: 1, moving: 1 });
      await d.commitMove(35, 'target');
      const done = await d.countLocations();
      assert.deepEqual({ source: done.source - before.source, target: done.target - before.target, moving: done.moving - before.moving }, { source: 2, target: 2, moving: 0 });
    }));

    it('begin → abort puts the customer back, active on the system it was leaving', withFixture(async ({ directory: d }) => {
      await d.putCustomer({ iCustomer: 22, system: 'target' });
      await d.beginMove(22, 'target');
      const back = await d.abortMove(22);
      assert.deepEqual([back.state, back.system, back.version], ['active', 'target', 3]);
    }));

    it('begin on an unknown customer records it moving on the given system', withFixture(async ({ directory: d }) => {
      const m = await d.beginMove(23, 'source');
      assert.deepEqual([m.state, m.system, m.version], ['moving', 'source', 1]);
      assert.equal((await d.abortMove(23)).system, 'source');
    }));

    it('moves out of order are 409 conflicts that name the customer and its state, and change nothing', withFixture(async ({ directory: d }) => {
      const conflict = DispatcherFaultCode.conflict;
      await rejectsWith(d.commitMove(31, 'target'), conflict, 409, 'customer 31', 'not in the directory');
      await rejectsWith(d.abortMove(31), conflict, 409, 'customer 31');
      await d.putCustomer({ iCustomer: 31, system: 'source' });
      await rejectsWith(d.commitMove(31, 'target'), conflict, 409, 'commit', 'customer 31', 'active on source');
      await rejectsWith(d.beginMove(31, 'target'), conflict, 409, 'customer 31 is active on source, not on target');
      await d.beginMove(31, 'source');
      await rejectsWith(d.beginMove(31, 'source'), conflict, 409, 'customer 31 is already moving', 'leaving source');
      await rejectsWith(d.putCustomer({ iCustomer: 31, system: 'target' }), conflict, 409, 'customer 31', 'moving');
      const same = await d.putCustomer({ iCustomer: 31, system: 'source', login: 'c31' });
      assert.equal(same.state, 'moving', 'a put that keeps the system keeps the move');
      const after = await d.getCustomer(31);
      assert.deepEqual([after?.state, after?.system, after?.version], ['moving', 'source', 2]);
    }));

    it('an import applies good rows, reports bad ones by line number, and never writes part of a bad row', withFixture(async ({ directory: d }) => {
      await d.putCustomer({ iCustomer: 55, system: 'source' });
      await d.beginMove(55, 'source');
      const report = await d.importRecords(rowsOf([
        { line: 2, record: { iCustomer: 51, system: 'target', login: 'c51', accounts: [511, 513] } },
        { line: 3, error: 'not valid JSON' },
        { line: 4, record: { iCustomer: 52, system: 'elsewhere' as 'source', login: 'c52', accounts: [521] } },
        { line: 5, record: { iCustomer: 53, system: 'source', accounts: [531, -1], login: 'c53' } },
        { line: 6, record: { iCustomer: 55, system: 'target', login: 'c55', accounts: [551] } },
        { line: 7, record: { iCustomer: 57, system: 'source', name: 'Fifty Seven', accountKeys: [{ iAccount: 571, login: 'a571' }] } },
      ]));
      assert.equal(report.accepted, 2);
      assert.equal(report.rejectedCount, 4);
      assert.deepEqual(report.rejected.map((r) => r.line), [3, 4, 5, 6]);
      assert.match(report.rejected[1]!.reason, /system "elsewhere"/);
      assert.match(report.rejected[2]!.reason, /account -1/);
      assert.match(report.rejected[3]!.reason, /customer 55 is moving/);
      assert.equal((await d.getCustomer(51))?.system, 'target');
      assert.deepEqual(await d.accountsOf(51), [511, 513]);
      assert.deepEqual(await d.findKey('account-login', 'a571'), { iCustomer: 57, iAccount: 571 });
      for (const c of [52, 53]) assert.equal(await d.getCustomer(c), undefined);
      assert.equal(await d.getAccountOwner(521), undefined);
      assert.equal(await d.getAccountOwner(531), undefined);
      assert.equal(await d.findKey('customer-login', 'c53'), undefined);
      assert.equal(await d.findKey('customer-login', 'c55'), undefined, 'the refused row of a moving customer left no key');
      assert.equal(await d.getAccountOwner(551), undefined);
      assert.deepEqual([(await d.getCustomer(55))?.state, (await d.getCustomer(55))?.system], ['moving', 'source']);
    }));

    it('an import that changes a system increments the version, one that repeats it does not', withFixture(async ({ directory: d }) => {
      await d.putCustomer({ iCustomer: 61, system: 'source' });
      await d.putCustomer({ iCustomer: 63, system: 'source' });
      const report = await d.importRecords(rowsOf([
        { line: 1, record: { iCustomer: 61, system: 'target' } },
        { line: 2, record: { iCustomer: 63, system: 'source' } },
      ]));
      assert.deepEqual([report.accepted, report.rejectedCount], [2, 0]);
      assert.equal((await d.getCustomer(61))?.version, 2);
      assert.equal((await d.getCustomer(63))?.version, 1);
    }));

    it('listeners hear about puts, moves and imports made through this client', withFixture(async ({ directory: d }) => {
      const seen: DirectoryChange[] = [];
      const off = d.onChange((c) => { seen.push(c); });
      await d.putCustomer({ iCustomer: 71, system: 'source', accounts: [711] });
      await d.beginMove(71, 'source');
      await d.importRecords(rowsOf([{ line: 1, record: { iCustomer: 73, system: 'target' } }]));
      off();
      await d.commitMove(71, 'target');
      assert.ok(seen.some((c) => c.iCustomer === 71 && c.accounts?.includes(711)));
      assert.ok(seen.some((c) => c.iCustomer === 71 && c.location?.state === 'moving'));
      assert.ok(seen.some((c) => c.all === true));
      assert.ok(!seen.some((c) => c.location?.system === 'target'), 'no event after unsubscribing');
    }));

    it('scanRoutes pages customers in id order with their system and state', withFixture(async ({ directory: d }) => {
      for (const c of [9, 3, 5]) await d.putCustomer({ iCustomer: c, system: c === 5 ? 'target' : 'source' });
      await d.beginMove(9, 'source');
      assert.deepEqual(await d.scanRoutes(0, 2), [[3, 'source', 'active'], [5, 'target', 'active']]);
      assert.deepEqual(await d.scanRoutes(5, 10), [[9, 'source', 'moving']]);
      assert.deepEqual(await d.scanRoutes(9, 10), []);
    }));

    it('two clients racing to begin the same move: exactly one wins', withFixture(async ({ directory: d, peer }) => {
      const other = await peer();
      await d.putCustomer({ iCustomer: 81, system: 'source' });
      const results = await Promise.allSettled([d.beginMove(81, 'source'), other.beginMove(81, 'source')]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const lost = results.find((r) => r.status === 'rejected');
      assert.ok(lost && isApiFault(lost.reason) && lost.reason.httpStatus === 409);
      assert.equal((await other.getCustomer(81))?.version, 2);
    }));

    it('ended cutovers are counted by outcome and system for every client of the store; a refused end counts nothing', withFixture(async ({ directory: d, peer }) => {
      const other = await peer();
      assert.deepEqual(await d.cutoverOutcomes(), []);
      for (const c of [61, 62, 63]) await d.putCustomer({ iCustomer: c, system: 'source' });
      for (const c of [61, 62, 63]) await d.beginMove(c, 'source');
      await d.commitMove(61, 'target');
      await other.commitMove(62, 'target');
      await other.abortMove(63);
      await assert.rejects(d.commitMove(63, 'target'));
      await assert.rejects(d.abortMove(61));
      const sorted = (rows: Awaited<ReturnType<typeof d.cutoverOutcomes>>) => [...rows].sort((a, b) => `${a.outcome}${a.system}`.localeCompare(`${b.outcome}${b.system}`));
      const expected = [{ outcome: 'abort', system: 'source', n: 1 }, { outcome: 'commit', system: 'target', n: 2 }];
      assert.deepEqual(sorted(await d.cutoverOutcomes()), expected);
      assert.deepEqual(sorted(await other.cutoverOutcomes()), expected);
    }));

    it('a change made through one client is read by another client of the same store', withFixture(async ({ directory: d, peer }) => {
      const other = await peer();
      await d.putCustomer({ iCustomer: 85, system: 'source', login: 'c85' });
      await d.beginMove(85, 'source');
      assert.equal((await other.getCustomer(85))?.state, 'moving');
      await other.commitMove(85, 'target');
      assert.equal((await d.getCustomer(85))?.system, 'target');
      assert.deepEqual(await other.findKey('customer-login', 'c85'), { iCustomer: 85 });
    }));

    it('an owned record reads back its owner; a new owner replaces the old one and is announced', withFixture(async ({ directory: d }) => {
      assert.equal(await d.getOwner('invoice', 5), undefined);
      const seen: DirectoryChange[] = [];
      const off = d.onChange((c) => { seen.push(c); });
      await d.putOwned('invoice', 5, { iCustomer: 3 });
      await d.putOwned('xdr', 5, { iCustomer: 4, iAccount: 41 });
      assert.deepEqual(await d.getOwner('invoice', 5), { iCustomer: 3 });
      assert.deepEqual(await d.getOwner('xdr', 5), { iCustomer: 4, iAccount: 41 }, 'kinds are separate namespaces');
      assert.equal(await d.getOwner('did', 5), undefined);
      await d.putOwned('invoice', 5, { iCustomer: 7, iAccount: 71 });
      assert.deepEqual(await d.getOwner('invoice', 5), { iCustomer: 7, iAccount: 71 });
      await d.putOwned('invoice', 5, { iCustomer: 7 });
      assert.deepEqual(await d.getOwner('invoice', 5), { iCustomer: 7 }, 'dropping the account is a change too');
      off();
      assert.ok(seen.some((c) => c.owned?.some((o) => o.kind === 'invoice' && o.id === 5)), 'the owner change was announced by record');
    }));

    it('putOwnedMany writes a batch at once, the last row of a record winning', withFixture(async ({ directory: d, peer }) => {
      await d.putOwned('did', 12, { iCustomer: 1 });
      await d.putOwnedMany([
        { kind: 'did', id: 11, owner: { iCustomer: 2, iAccount: 21 } },
        { kind: 'did', id: 12, owner: { iCustomer: 2 } },
        { kind: 'ua', id: 11, owner: { iCustomer: 9 } },
        { kind: 'did', id: 11, owner: { iCustomer: 3 } },
      ]);
      await d.putOwnedMany([]);
      const other = await peer();
      assert.deepEqual(await other.getOwner('did', 11), { iCustomer: 3 });
      assert.deepEqual(await other.getOwner('did', 12), { iCustomer: 2 });
      assert.deepEqual(await other.getOwner('ua', 11), { iCustomer: 9 });
    }));

    it('owned rows with a non-positive id or owner, or an unknown kind, are refused with a fault and change nothing', withFixture(async ({ directory: d }) => {
      const bad = DispatcherFaultCode.badRequest;
      await d.putOwned('alias', 8, { iCustomer: 1 });
      await rejectsWith(d.putOwned('invoice', 0, { iCustomer: 1 }), bad, 400, 'invoice id 0');
      await rejectsWith(d.putOwned('invoice', -4, { iCustomer: 1 }), bad, 400, 'invoice id -4');
      await rejectsWith(d.putOwned('invoice', 1.5, { iCustomer: 1 }), bad, 400, 'invoice id 1.5');
      await rejectsWith(d.putOwned('invoice', 2, { iCustomer: 0 }), bad, 400, 'i_customer 0');
      await rejectsWith(d.putOwned('invoice', 2, { iCustomer: 2, iAccount: -1 }), bad, 400, 'i_account -1');
      await rejectsWith(d.putOwned('bogus' as 'invoice', 2, { iCustomer: 2 }), bad, 400, 'owned kind "bogus"');
      await rejectsWith(d.putOwnedMany([
        { kind: 'alias', id: 8, owner: { iCustomer: 5 } },
        { kind: 'alias', id: 9, owner: { iCustomer: -5 } },
      ]), bad, 400, 'alias 9');
      assert.deepEqual(await d.getOwner('alias', 8), { iCustomer: 1 }, 'the good row of a refused batch was not written');
      assert.equal(await d.getOwner('alias', 9), undefined);
      for (const [kind, id] of [['invoice', 0], ['invoice', 2]] as const) assert.equal(await d.getOwner(kind, id), undefined);
    }));

    it('an import takes owned-record rows beside customer rows, and reports bad ones by line', withFixture(async ({ directory: d }) => {
      const report = await d.importRecords(rowsOf([
        { line: 1, record: { iCustomer: 3, system: 'target' } },
        { line: 2, owned: { kind: 'invoice', id: 5, owner: { iCustomer: 3 } } },
        { line: 3, owned: { kind: 'xdr', id: 6, owner: { iCustomer: 3, iAccount: 31 } } },
        { line: 4, owned: { kind: 'xdr', id: 0, owner: { iCustomer: 3 } } },
        { line: 5, owned: { kind: 'invoice', id: 5, owner: { iCustomer: 4 } } },
      ]));
      assert.deepEqual([report.accepted, report.rejectedCount, report.rejected.map((r) => r.line)], [4, 1, [4]]);
      assert.match(report.rejected[0]!.reason, /xdr id 0/);
      assert.deepEqual(await d.getOwner('invoice', 5), { iCustomer: 4 }, 'a record listed again points to its last owner');
      assert.deepEqual(await d.getOwner('xdr', 6), { iCustomer: 3, iAccount: 31 });
      assert.equal(await d.getOwner('xdr', 0), undefined);
      assert.equal((await d.getCustomer(3))?.system, 'target');
    }));

    it('owned records survive closing and reopening the store', withFixture(async (f, t) => {
      if (f.reopen === undefined) { t.skip('not a durable store'); return; }
      await f.directory.putOwned('subscription', 77, { iCustomer: 7, iAccount: 701 });
      await f.directory.putOwnedMany([{ kind: 'alias', id: 78, owner: { iCustomer: 7 } }]);
      await f.directory.close();
      const again = await f.reopen();
      assert.deepEqual(await again.getOwner('subscription', 77), { iCustomer: 7, iAccount: 701 });
      assert.deepEqual(await again.getOwner('alias', 78), { iCustomer: 7 });
    }));

    it('locations survive closing and reopening the store', withFixture(async (f, t) => {
      if (f.reopen === undefined) { t.skip('not a durable store'); return; }
      await f.directory.putCustomer({ iCustomer: 91, system: 'target', login: 'c91', accounts: [911] });
      await f.directory.putCustomer({ iCustomer: 93, system: 'source' });
      await f.directory.beginMove(93, 'source');
      await f.directory.close();
      const again = await f.reopen();
      await again.check();
      assert.equal((await again.getCustomer(91))?.system, 'target');
      assert.equal(await again.getAccountOwner(911), 91);
      assert.deepEqual(await again.findKey('customer-login', 'c91'), { iCustomer: 91 });
      assert.deepEqual((await again.listMoving()).map((c) => [c.iCustomer, c.system]), [[93, 'source']]);
    }));

    it('a closed store refuses lookups with directory_unavailable instead of answering', withFixture(async ({ directory: d }) => {
      await d.putCustomer({ iCustomer: 95, system: 'target' });
      await d.check();
      await d.close();
      await rejectsWith(d.getCustomer(95), DispatcherFaultCode.directoryUnavailable, 503);
      await assert.rejects(d.check());
      assert.equal(d.cacheToken(), undefined, 'nothing cached from a closed store may answer');
      assert.equal(d.knownRoute?.(95), undefined);
    }));
  });
}
