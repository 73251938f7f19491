import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { migrate } from '../helpers/stack.ts';
import { login as simLogin, ok, restCall } from '../helpers/sim.ts';
import { sendIn, STYLES, type Row, type Style } from '../helpers/call-styles.ts';
import { buildRequest, hostOf, sendRaw } from '../helpers/wire.ts';
import { loginFull, startSpiedStack, type SpiedStack } from './support.ts';
import type { SystemName } from '../../src/core/api-call.ts';

/*
 * Issue 18's acceptance: every call that names a customer or an account, by any field (or a record
 * one of them owns), lands on the system that holds the customer — the target for a moved one, the
 * source for one that has not moved — in REST (JSON, form, legacy path), SOAP and ESPF. The
 * simulators' write logs (`GET /sim/write-log?i_customer=N`) prove where each write landed.
 */

/** A customer under test and the records it owns, as the system that holds it has them. */
interface Subject {
  iCustomer: number;
  iAccount: number;
  system: SystemName;
  iSubscription: number;
  iCustomerSubscription: number;
  iUa: number;
  iVdCounter: number;
  /** A free DID on the customer's system, assigned and released again by the rows. */
  freeDid: number;
}

/** What a row's earlier calls left for the later ones (the alias or subscription it created). */
type Made = Record<string, number>;

interface WriteRow {
  what: string;
  method: string;
  params(s: Subject, style: Style, made: Made): Row;
  /** Records an id the reply names for later rows. */
  keep?: string;
  /** A read a client makes first (the dispatcher learns owned records from its reply). */
  readFirst?: (s: Subject) => [string, Row];
}

const ROWS: WriteRow[] = [
  { what: 'alias_info.i_master_account', method: 'Account/add_alias', params: (s, style) => ({ alias_info: { i_master_account: s.iAccount, id: `alias-${style}-${s.iCustomer}` } }), keep: 'i_alias' },
  { what: 'an alias by its own id (learned from add_alias)', method: 'Account/delete_alias', params: (_s, _style, made) => ({ alias_info: { i_alias: made.i_alias } }) },
  { what: 'i_customer beside a free DID', method: 'DID/assign_did_to_customer', params: (s) => ({ i_did_number: s.freeDid, i_customer: s.iCustomer }) },
  { what: 'top-level i_master_account', method: 'DID/assign_did_to_account', params: (s) => ({ i_did_number: s.freeDid, i_master_account: s.iAccount }) },
  { what: 'a DID by its own id (discovered)', method: 'DID/release_did_from_account', params: (s) => ({ i_did_number: s.freeDid }) },
  { what: 'a DID by its own id (remembered)', method: 'DID/release_did_from_customer', params: (s) => ({ i_did_number: s.freeDid }) },
  { what: 'AccessControl id of an account', method: 'AccessControl/create_otp', params: (s) => ({ send_to: 'account', id: s.iAccount, notification_type: 'mail', operation: 'General' }) },
  { what: 'AccessControl id of a customer', method: 'AccessControl/create_otp', params: (s) => ({ send_to: 'customer', id: s.iCustomer, notification_type: 'mail', operation: 'General' }) },
  {
    what: 'a subscription by its own id, learned from the list the client read first', method: 'Customer/update_subscription',
    params: (s, style) => ({ subscription_info: { i_customer_subscription: s.iCustomerSubscription, finish_date: `2099-0${STYLES.indexOf(style) + 1}-28` } }),
    readFirst: (s) => ['Customer/get_subscriptions', { i_customer: s.iCustomer }],
  },
  { what: 'top-level i_customer', method: 'Customer/add_subscription', params: (s) => ({ i_customer: s.iCustomer, subscription_info: { i_subscription: s.iSubscription } }), keep: 'i_customer_subscription' },
  { what: 'a subscription created through the dispatcher', method: 'Customer/close_subscription', params: (_s, _style, made) => ({ i_customer_subscription: made.i_customer_subscription }) },
  { what: 'a UA by its own id', method: 'UA/update_ua', params: (s, style) => ({ ua_info: { i_ua: s.iUa, description: `set by ${style}` } }) },
  {
    what: 'a VD counter by its own id, learned from the list the client read first', method: 'Customer/reset_vd_counter',
    params: (s) => ({ i_vd_counter: s.iVdCounter }), readFirst: (s) => ['Customer/get_vd_counter_list', { i_customer: s.iCustomer }],
  },
];

/** ESPF calls (the porta/billing PHP library's `/espf/v1` paths), routed by the ids in the path. */
interface EspfRow {
  what: string;
  verb: 'PUT' | 'POST' | 'DELETE';
  path(s: Subject, made: Made): string;
  body?(s: Subject): Row;
  keep?: string;
}

const ESPF_ROWS: EspfRow[] = [
  { what: 'PUT a customer', verb: 'PUT', path: (s) => `/espf/v1/customers/${s.iCustomer}`, body: () => ({ notes: 'espf' }) },
  { what: 'PUT an account', verb: 'PUT', path: (s) => `/espf/v1/accounts/${s.iAccount}`, body: () => ({ note: 'espf' }) },
  { what: 'POST an alias under an account', verb: 'POST', path: (s) => `/espf/v1/accounts/${s.iAccount}/aliases`, body: (s) => ({ id: `espf-alias-${s.iCustomer}` }), keep: 'i_alias' },
  { what: 'DELETE that alias', verb: 'DELETE', path: (s, made) => `/espf/v1/accounts/${s.iAccount}/aliases/${made.i_alias}` },
  { what: 'DELETE a subscription under a customer', verb: 'DELETE', path: (s) => `/espf/v1/customers/${s.iCustomer}/subscriptions/${s.iCustomerSubscription}` },
];

async function writeCounts(stack: SpiedStack, iCustomer: number): Promise<Record<SystemName, { applied: number; refused: number }>> {
  const out = {} as Record<SystemName, { applied: number; refused: number }>;
  for (const system of ['source', 'target'] as const) {
    const res = await fetch(`${stack.sim(system).urls.admin}/sim/write-log?i_customer=${iCustomer}`);
    const log = await res.json() as { applied_count: number; refused_count: number };
    out[system] = { applied: log.applied_count, refused: log.refused_count };
  }
  return out;
}

/** Asserts that exactly one write of `iCustomer` was applied, on `where`, and none reached the other system. */
function assertLanded(before: Awaited<ReturnType<typeof writeCounts>>, after: typeof before, where: SystemName, what: string): void {
  const other: SystemName = where === 'source' ? 'target' : 'source';
  assert.equal(after[where].applied - before[where].applied, 1, `${what}: one write applied on the ${where}`);
  assert.equal(after[other].applied - before[other].applied, 0, `${what}: nothing applied on the ${other}`);
  assert.equal(after[other].refused - before[other].refused, 0, `${what}: nothing even tried on the ${other}`);
}

/** Finds, on the source simulator, odd customers with an account, a subscription, a UA and a VD counter. */
async function subjects(stack: SpiedStack, count: number): Promise<Array<Omit<Subject, 'system' | 'freeDid'>>> {
  const base = stack.source.urls.admin;
  const t = (await simLogin(base, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password })).access_token;
  const first = async (sm: string, params: Row, key: string): Promise<Row | undefined> => {
    const list = ok(await restCall(base, sm, params, t))[key];
    return Array.isArray(list) && list.length > 0 ? list[0] as Row : undefined;
  };
  const out: Array<Omit<Subject, 'system' | 'freeDid'>> = [];
  for (let c = 1; c < 100 && out.length < count; c += 2) {
    const [account, sub, ua, counter] = [
      await first('Account/get_account_list', { i_customer: c, limit: 1 }, 'account_list'),
      await first('Customer/get_subscriptions', { i_customer: c }, 'subscriptions'),
      await first('UA/get_ua_list', { i_customer: c }, 'ua_list'),
      await first('Customer/get_vd_counter_list', { i_customer: c }, 'counter_list'),
    ];
    if (!account || !sub || !ua || !counter) continue;
    out.push({
      iCustomer: c, iAccount: account.i_account as number, iSubscription: sub.i_subscription as number,
      iCustomerSubscription: sub.i_customer_subscription as number, iUa: ua.i_ua as number, iVdCounter: counter.i_vd_counter as number,
    });
  }
  assert.equal(out.length, count, 'the seed has enough customers with every owned record');
  return out;
}

async function freeDidOn(stack: SpiedStack, system: SystemName, skip: ReadonlySet<number>): Promise<number> {
  const base = stack.sim(system).urls.admin;
  const t = (await simLogin(base, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password })).access_token;
  const list = ok(await restCall(base, 'DID/get_number_list', { limit: 100 }, t)).number_list as Row[];
  const free = list.find((d) => d.i_customer === null && !skip.has(d.i_did_number as number));
  assert.ok(free, `a free DID on the ${system}`);
  return free.i_did_number as number;
}

describe('every call naming a customer or account lands where the customer lives (issue 18)', () => {
  let stack: SpiedStack;
  let admin: string;
  let creds: { session_id: string; access_token: string };
  let moved: Subject;
  let unmoved: Subject;
  const cleanups: Array<() => unknown> = [];
  after(async () => { for (const c of cleanups.reverse()) await c(); });

  before(async () => {
    stack = await startSpiedStack({ after: (fn) => { cleanups.push(fn); } }, { sourceCustomers: 60 });
    admin = stack.url('admin');
    const [a, b] = await subjects(stack, 2);
    await migrate(stack, a!.iCustomer, 'target');
    const used = new Set<number>();
    moved = { ...a!, system: 'target', freeDid: await freeDidOn(stack, 'target', used) };
    unmoved = { ...b!, system: 'source', freeDid: await freeDidOn(stack, 'source', used) };
    const full = await loginFull(admin, { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
    creds = { session_id: full.session_id, access_token: full.access_token };
  });

  test('a cutover begin teaches the directory the records the customer owns', async () => {
    const d = stack.dispatcher.dispatcher.directory;
    assert.equal((await d.getOwner('ua', moved.iUa))?.iCustomer, moved.iCustomer);
    assert.equal((await d.getOwner('subscription', moved.iCustomerSubscription))?.iCustomer, moved.iCustomer);
    assert.equal((await d.getOwner('vd_counter', moved.iVdCounter))?.iCustomer, moved.iCustomer);
    assert.equal(await d.getOwner('ua', unmoved.iUa), undefined, 'a customer not moved is learned only as its records pass');
  });

  for (const style of STYLES) {
    for (const who of ['moved', 'unmoved'] as const) {
      test(`${style}: each write of the ${who} customer lands on its system`, async () => {
        const s = who === 'moved' ? moved : unmoved;
        const made: Made = {};
        for (const row of ROWS) {
          if (row.readFirst) {
            const [sm, params] = row.readFirst(s);
            const read = await sendIn(style, admin, sm, params, creds);
            assert.equal(read.status, 200, `${row.method} (first ${sm}): ${read.text.slice(0, 300)}`);
            await stack.dispatcher.dispatcher.ownedLearner?.settled();
          }
          const before = await writeCounts(stack, s.iCustomer);
          const r = await sendIn(style, admin, row.method, row.params(s, style, made), creds);
          assert.equal(r.status, 200, `${style} ${row.method} (${row.what}): ${r.text.slice(0, 300)}`);
          if (row.keep) made[row.keep] = Number(r.reply[row.keep]);
          assertLanded(before, await writeCounts(stack, s.iCustomer), s.system, `${style} ${row.method} (${row.what}), ${who} customer`);
        }
      });
    }
  }

  for (const who of ['moved', 'unmoved'] as const) {
    test(`ESPF: each write of the ${who} customer lands on its system`, async () => {
      const s = who === 'moved' ? moved : unmoved;
      const made: Made = {};
      for (const row of ESPF_ROWS) {
        const before = await writeCounts(stack, s.iCustomer);
        const init: RequestInit = { method: row.verb, headers: { authorization: `Bearer ${creds.access_token}`, 'content-type': 'application/json' } };
        if (row.body) init.body = JSON.stringify(row.body(s));
        const res = await fetch(`${admin}${row.path(s, made)}`, init);
        const text = await res.text();
        assert.ok(res.status === 200 || res.status === 201, `ESPF ${row.verb} ${row.path(s, made)} (${row.what}): ${res.status} ${text.slice(0, 300)}`);
        if (row.keep) made[row.keep] = Number((JSON.parse(text) as Row)[row.keep]);
        assertLanded(before, await writeCounts(stack, s.iCustomer), s.system, `ESPF ${row.what}, ${who} customer`);
      }
    });
  }

  test('an invoice id learned from a list reply routes a later call without asking both systems', async () => {
    const list = await sendIn('json', admin, 'Invoice/get_invoice_list', { i_customer: moved.iCustomer }, creds);
    assert.equal(list.status, 200, list.text);
    const invoice = (list.reply.invoice_list as Row[])[0]!;
    await stack.dispatcher.dispatcher.ownedLearner?.settled();
    assert.equal((await stack.dispatcher.dispatcher.directory.getOwner('invoice', invoice.i_invoice as number))?.iCustomer, moved.iCustomer);
    const from = stack.seen.length;
    const info = await sendIn('json', admin, 'Invoice/get_invoice_info', { i_invoice: invoice.i_invoice }, creds);
    assert.equal(info.status, 200, info.text);
    const reached = stack.seen.slice(from).map((r) => `${r.system} ${r.path}`);
    assert.deepEqual(reached, ['target /rest/Invoice/get_invoice_info'], 'one call, to the target: no discovery');
  });

  test('strict mode: a write naming nothing routable is refused with a fault that says what to send; with i_env it runs there', async () => {
    for (const style of STYLES) {
      const before = stack.seen.length;
      const refused = await sendIn(style, admin, 'Account/add_alias', { alias_info: { id: `nowhere-${style}` } }, creds);
      assert.notEqual(refused.status, 200, `${style}: refused`);
      assert.match(refused.text, /unroutable_write/, `${style}: the fault code`);
      assert.match(refused.text, /i_customer or i_account|i_env/, `${style}: the fault says what to send`);
      assert.equal(stack.seen.length, before, `${style}: no backend saw the refused write`);
    }
    const from = stack.seen.length;
    const inEnv = await sendIn('json', admin, 'Account/add_alias', { i_env: 8, alias_info: { id: 'in-env-8' } }, creds);
    const reached = stack.seen.slice(from).filter((r) => r.path === '/rest/Account/add_alias').map((r) => r.system);
    assert.deepEqual(reached, ['target'], `with i_env 8 the write runs on the target (${inEnv.status} ${inEnv.text.slice(0, 200)})`);
  });

  test('a multipart upload for a moved customer reaches the target with its file bytes intact', async () => {
    const file = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));
    const boundary = 'wd-upload-boundary-7';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="auth_info"\r\n\r\n${JSON.stringify({ session_id: creds.session_id })}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="params"\r\n\r\n${JSON.stringify({ i_customer: moved.iCustomer, name: 'contract' })}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="upload_file"; filename="contract.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const before = await writeCounts(stack, moved.iCustomer);
    const reply = await sendRaw(admin, buildRequest('POST', '/rest/Customer/upload_document', [
      ['Host', hostOf(admin)], ['Content-Type', `multipart/form-data; boundary=${boundary}`], ['Content-Length', String(body.length)],
    ], body));
    assert.equal(reply.status, 200, reply.text);
    const r = JSON.parse(reply.text) as Row;
    assert.equal(r.size, file.length);
    assert.equal(r.sha256, createHash('sha256').update(file).digest('hex'), 'the backend hashed exactly the bytes sent');
    assertLanded(before, await writeCounts(stack, moved.iCustomer), 'target', 'upload_document');
  });
});
