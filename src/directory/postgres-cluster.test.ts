import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresDirectory } from './postgres-directory.ts';
import { CachedDirectory } from './cached-directory.ts';
import { createLocationResolver } from './resolver.ts';
import type { DirectoryChange } from './location-directory.ts';
import { DATABASE_URL, requireService } from '../../test/helpers/services.ts';

/** Two nodes (two pools, two change feeds, two caches) over one fresh schema, dropped afterwards. */
async function twoNodes(t: TestContext, leaseMs = 1000, index = false) {
  const schema = `wd_cluster_${randomBytes(5).toString('hex')}`;
  const open = async (nodeId: string) => new CachedDirectory(await PostgresDirectory.open({ connectionString: DATABASE_URL, schema, nodeId, leaseMs, poolSize: 3 }), { index });
  const [a, b] = await Promise.all([open('node-a'), open('node-b')]);
  t.after(async () => {
    await a.close();
    await b.close();
    const c = new pg.Client({ connectionString: DATABASE_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });
  return { a, b, schema };
}

/**
 * Blocks the heartbeats of every node on `schema` (they read the epoch row FOR SHARE), as a stalled
 * database would, until `node`'s lease lapses; the returned function unblocks them and waits until
 * the lease runs again.
 */
async function stallHeartbeats(t: TestContext, schema: string, node: CachedDirectory): Promise<() => Promise<void>> {
  const blocker = new pg.Client({ connectionString: DATABASE_URL });
  await blocker.connect();
  t.after(() => blocker.end());
  await blocker.query('BEGIN');
  await blocker.query(`SELECT epoch FROM ${schema}.epoch WHERE id = 1 FOR UPDATE`);
  const wait = () => new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 100 && node.cacheToken() !== undefined; i++) await wait();
  return async () => {
    await blocker.query('ROLLBACK');
    for (let i = 0; i < 100 && node.cacheToken() === undefined; i++) await wait();
  };
}

describe('postgres directory across cluster nodes', () => {
  it('two nodes starting at once on a new schema both come up (the migration runs once)', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const { a, b } = await twoNodes(t);
    await a.check();
    await b.check();
  });

  it('after begin returns on node A, node B (which had the customer cached) reports it moving; after commit, on the target', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const { a, b } = await twoNodes(t);
    const resolverB = createLocationResolver({ directory: b });
    await a.putCustomer({ iCustomer: 101, system: 'source', accounts: [1011] });
    assert.equal((await resolverB.resolve({ kind: 'customer', iCustomer: 101 }))?.state, 'active');
    assert.equal((await resolverB.resolve({ kind: 'account', iAccount: 1011 }))?.system, 'source');
    await a.beginMove(101, 'source');
    assert.equal((await resolverB.resolve({ kind: 'customer', iCustomer: 101 }))?.state, 'moving');
    await a.commitMove(101, 'target');
    const after = await resolverB.resolve({ kind: 'account', iAccount: 1011 });
    assert.deepEqual([after?.system, after?.state], ['target', 'active']);
  });

  it('a node cached "no entry" for an odd customer and sees the entry another node adds', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const { a, b } = await twoNodes(t);
    const resolverB = createLocationResolver({ directory: b });
    assert.equal((await resolverB.resolve({ kind: 'customer', iCustomer: 103 }))?.resolvedBy, 'assume-source');
    assert.equal(await resolverB.resolve({ kind: 'key', key: 'customer-login', value: 'c103' }), undefined);
    await a.putCustomer({ iCustomer: 103, system: 'target', login: 'c103' });
    assert.deepEqual(await resolverB.resolve({ kind: 'customer', iCustomer: 103 }), { system: 'target', state: 'active', iCustomer: 103, resolvedBy: 'directory' });
    assert.equal((await resolverB.resolve({ kind: 'key', key: 'customer-login', value: 'c103' }))?.system, 'target');
  });

  it('node B, which had an owned record\'s owner cached, reads the new owner once node A\'s putOwned returns', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const { a, b } = await twoNodes(t);
    const resolverB = createLocationResolver({ directory: b });
    await a.putCustomer({ iCustomer: 121, system: 'source' });
    await a.putCustomer({ iCustomer: 123, system: 'target' });
    await a.putOwned('invoice', 77, { iCustomer: 121 });
    assert.equal((await resolverB.resolve({ kind: 'owned', owned: 'invoice', id: 77 }))?.system, 'source');
    const heard: DirectoryChange[] = [];
    b.onChange((c) => { heard.push(c); });
    await a.putOwnedMany([{ kind: 'invoice', id: 77, owner: { iCustomer: 123 } }]);
    assert.ok(heard.some((c) => c.owned?.some((o) => o.kind === 'invoice' && o.id === 77)), 'the change named the record');
    assert.equal((await resolverB.resolve({ kind: 'owned', owned: 'invoice', id: 77 }))?.system, 'target');
  });

  it('node B hears a commit made on node A before A\'s commit returns', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const { a, b } = await twoNodes(t);
    const heard: DirectoryChange[] = [];
    b.onChange((c) => { heard.push(c); });
    await a.beginMove(105, 'source');
    assert.ok(heard.some((c) => c.iCustomer === 105), 'begin heard');
    await a.commitMove(105, 'target');
    assert.equal(heard.filter((c) => c.iCustomer === 105).length, 2, 'commit heard');
    await a.importRecords((async function* () { yield { line: 1, record: { iCustomer: 107, system: 'target' as const } }; })());
    assert.ok(heard.some((c) => c.all === true), 'import heard as "drop everything"');
  });

  it('routing indexes: a change made on node A makes node B ask the store once (before A returns), then route from memory again', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const { a, b } = await twoNodes(t, 1000, true);
    await a.putCustomer({ iCustomer: 111, system: 'source' });
    await a.putCustomer({ iCustomer: 119, system: 'target' });
    assert.equal(await b.indexLoaded(), true);
    await b.getCustomer(111);
    await b.getCustomer(119);
    assert.deepEqual([b.knownRoute(111), b.knownRoute(119)], ['source', 'target']);
    await a.beginMove(111, 'source');
    assert.equal(b.knownRoute(111), undefined, 'remote changes carry only the id: ask');
    assert.equal((await createLocationResolver({ directory: b }).resolve({ kind: 'customer', iCustomer: 111 }))?.state, 'moving');
    assert.equal(b.knownRoute(111), undefined, 'moving: still ask');
    await a.commitMove(111, 'target');
    assert.equal(b.knownRoute(111), undefined);
    assert.equal((await b.getCustomer(111))?.system, 'target');
    assert.equal(b.knownRoute(111), 'target', 'learnt from the read');
    await a.importRecords((async function* () { yield { line: 1, record: { iCustomer: 115, system: 'target' as const } }; })());
    assert.equal(await b.indexLoaded(), true);
    assert.deepEqual([b.knownRoute(111), b.knownRoute(119), b.knownRoute(115), b.knownRoute(117)], ['target', 'target', 'target', null]);
  });

  it('a node whose heartbeat cannot complete stops routing from its index until it hears from PostgreSQL again', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const { a, schema } = await twoNodes(t, 200, true);
    await a.putCustomer({ iCustomer: 121, system: 'target' });
    await a.indexLoaded();
    assert.equal(a.knownRoute(121), 'target');
    const resume = await stallHeartbeats(t, schema, a);
    assert.equal(a.knownRoute(121), undefined);
    await resume();
    await a.indexLoaded();
    assert.equal(a.knownRoute(121), 'target');
  });

  it('a registered node that never acknowledges delays a write but cannot make it fail', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const { a, b, schema } = await twoNodes(t, 300);
    const c = new pg.Client({ connectionString: DATABASE_URL });
    await c.connect();
    t.after(() => c.end());
    await c.query(`INSERT INTO ${schema}.nodes (node_id, heartbeat_at) VALUES ('ghost', now())`);
    await a.putCustomer({ iCustomer: 109, system: 'source' });
    await a.beginMove(109, 'source');
    assert.equal((await b.getCustomer(109))?.state, 'moving');
  });

  it('a node whose lease lapses stops serving cached entries and reads the store', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const schema = `wd_cluster_${randomBytes(5).toString('hex')}`;
    const node = await PostgresDirectory.open({ connectionString: DATABASE_URL, schema, leaseMs: 200, poolSize: 2 });
    t.after(async () => {
      const c = new pg.Client({ connectionString: DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    });
    assert.notEqual(node.cacheToken(), undefined, 'a fresh node holds a lease');
    await node.close();
    assert.equal(node.cacheToken(), undefined, 'a node out of the cluster trusts no cache');
  });

  it('a node whose heartbeat cannot complete stops trusting its cache until it hears from PostgreSQL again', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const { a, schema } = await twoNodes(t, 200);
    const resume = await stallHeartbeats(t, schema, a);
    assert.equal(a.cacheToken(), undefined);
    await resume();
    assert.notEqual(a.cacheToken(), undefined);
  });
});
