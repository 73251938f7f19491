import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MemorySessionStore } from './memory-session-store.ts';
import { sessionStoreSuite } from './session-store.suite.ts';
import type { DispatcherSession } from './session.ts';

sessionStoreSuite('memory session store', async () => new MemorySessionStore());

function issued(expiresIn = 60): DispatcherSession {
  const now = Math.floor(Date.now() / 1000);
  return {
    id: randomBytes(24).toString('hex'), realm: 'admin', login: 'admin', refreshSecret: randomBytes(24).toString('base64url'), createdAt: now, expiresAt: now + expiresIn,
    context: 'source', backends: { source: { sessionId: randomBytes(16).toString('hex'), accessToken: 'a.b.c', refreshToken: 'rt', expiresAt: now + 60 } },
    missing: ['target'], userId: 7, clientIp: '127.0.0.1',
  };
}

test('a session read again and again (kept decoded) still reads as stored after every kind of change', async (t) => {
  const store = new MemorySessionStore();
  t.after(() => store.close());
  const s = issued();
  await store.put(s);
  for (let i = 0; i < 3; i++) {
    const copy = (await store.get(s.id))!;
    assert.deepEqual(copy, s);
    copy.backends.source!.accessToken = 'changed';
    copy.missing.push('source');
    copy.context = 'target';
  }
  assert.deepEqual(await store.get(s.id), s, 'no read copy writes through');
  await store.put({ ...s, userId: 8 });
  assert.equal((await store.get(s.id))?.userId, 8);
  await store.get(s.id);
  await store.update(s.id, (x) => { x.userId = 9; });
  assert.equal((await store.get(s.id))?.userId, 9);
  await store.get(s.id);
  await store.delete(s.id);
  assert.equal(await store.get(s.id), undefined);
  assert.equal(await store.count(), 0);
});

test('an issued id and another spelling of the same bytes are different sessions', async (t) => {
  const store = new MemorySessionStore();
  t.after(() => store.close());
  const s = issued();
  await store.put(s);
  assert.equal(await store.get(s.id.toUpperCase()), undefined);
  assert.equal(await store.get(Buffer.from(s.id, 'hex').toString('latin1')), undefined);
  assert.equal(await store.get(''), undefined);
  const other = { ...issued(), id: s.id.toUpperCase() };
  await store.put(other);
  assert.equal((await store.get(s.id))?.refreshSecret, s.refreshSecret);
  assert.equal((await store.get(other.id))?.refreshSecret, other.refreshSecret);
  assert.equal(await store.count(), 2);
});

test('a session kept decoded still expires', async (t) => {
  const store = new MemorySessionStore();
  t.after(() => store.close());
  const s = issued(1);
  await store.put(s);
  await store.get(s.id);
  assert.ok(await store.get(s.id));
  await new Promise((r) => setTimeout(r, 2100));
  assert.equal(await store.get(s.id), undefined);
});
