import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CachedSessionStore } from './cached-session-store.ts';
import { RedisSessionStore } from './redis-session-store.ts';
import { MemorySessionStore } from './memory-session-store.ts';
import { sessionStoreSuite } from './session-store.suite.ts';
import type { SessionChangeFeed, SessionChangeListener, SessionStore } from './session-store.ts';
import type { DispatcherSession } from './session.ts';
import { requireService, serviceAvailable, REDIS_URL } from '../../test/helpers/services.ts';

function session(): DispatcherSession {
  const now = Math.floor(Date.now() / 1000);
  return {
    id: randomBytes(24).toString('hex'), realm: 'admin', login: 'admin', refreshSecret: 'r', createdAt: now, expiresAt: now + 600,
    context: 'source', backends: { source: { sessionId: 's1', accessToken: 'a.b.c', refreshToken: 'rt', expiresAt: now + 600 } },
    missing: [], userId: 7, clientIp: '127.0.0.1',
  };
}

/** A node: its own Redis connections and its own cache over the shared keys. */
async function node(prefix: string): Promise<CachedSessionStore> {
  const redis = await RedisSessionStore.connect(REDIS_URL, prefix);
  return CachedSessionStore.open(redis, redis);
}

const available = await serviceAvailable('redis');
sessionStoreSuite('cached redis session store', async () => (available.ok ? node(`wd:test:${randomBytes(4).toString('hex')}:`) : undefined));

test('a session changed or deleted on node A is seen by node B at its next read, though B had it cached', async (t) => {
  if (!(await requireService(t, 'redis'))) return;
  const prefix = `wd:test:${randomBytes(4).toString('hex')}:`;
  const a = await node(prefix);
  const b = await node(prefix);
  t.after(() => Promise.all([a.close(), b.close()]));
  const s = session();
  await a.put(s);
  assert.equal((await b.get(s.id))?.context, 'source');
  assert.equal((await b.get(s.id))?.context, 'source', 'B now answers from its copy');

  await a.put({ ...s, context: 'target' }); // context switch on A
  assert.equal((await b.get(s.id))?.context, 'target');

  const renewed = { ...s, context: 'target' as const, backends: { source: { sessionId: 's2', accessToken: 'd.e.f', refreshToken: 'rt2', expiresAt: s.expiresAt } } };
  await a.put(renewed); // backend-session renewal on A
  assert.equal((await b.get(s.id))?.backends.source?.accessToken, 'd.e.f');

  await a.delete(s.id); // logout on A
  assert.equal(await b.get(s.id), undefined);
});

test('the cache answers repeated reads without the shared store, and only from copies younger than the max age', async () => {
  const inner = new MemorySessionStore();
  let reads = 0;
  const counting: SessionStore = {
    get: (id) => {
      reads++;
      return inner.get(id);
    },
    put: (s) => inner.put(s),
    delete: (id) => inner.delete(id),
    update: (id, change) => inner.update(id, change),
    count: () => inner.count(),
    check: () => inner.check(),
    close: () => inner.close(),
  };
  let listener: SessionChangeListener | undefined;
  const feed: SessionChangeFeed = {
    async watchChanges(l) {
      listener = l;
      l.ready();
      return async () => undefined;
    },
  };
  let clock = 1_000_000;
  const store = await CachedSessionStore.open(counting, feed, { maxAgeMs: 2000, now: () => clock });
  const s = session();
  await inner.put(s);
  assert.equal((await store.get(s.id))?.login, 'admin');
  const copy = (await store.get(s.id))!;
  assert.equal(reads, 1);
  copy.context = 'target';
  assert.equal((await store.get(s.id))?.context, 'source', 'a read copy does not write through');
  clock += 2001;
  await store.get(s.id);
  assert.equal(reads, 2, 'an old copy is read again');
  listener!.changed(s.id);
  await store.get(s.id);
  assert.equal(reads, 3, 'a change reported by the feed drops the copy');
  listener!.lost();
  await store.get(s.id);
  await store.get(s.id);
  assert.equal(reads, 5, 'nothing is cached while the feed is down');
  await store.close();
});
