import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { SessionStore } from './session-store.ts';
import type { DispatcherSession } from './session.ts';

function session(overrides: Partial<DispatcherSession> = {}): DispatcherSession {
  const now = Math.floor(Date.now() / 1000);
  return {
    id: randomBytes(24).toString('hex'), realm: 'admin', login: 'admin', refreshSecret: 'r', createdAt: now, expiresAt: now + 60,
    context: 'source', backends: { source: { sessionId: 's1', accessToken: 'a.b.c', refreshToken: 'rt', expiresAt: now + 60 } },
    missing: ['target'], userId: 7, clientIp: '127.0.0.1', ...overrides,
  };
}

/** The behaviour every SessionStore must have; run against each implementation. */
export function sessionStoreSuite(name: string, open: () => Promise<SessionStore | undefined>): void {
  test(`${name}: a stored session reads back equal, and changes only through put`, async (t) => {
    const store = await open();
    if (store === undefined) return;
    t.after(() => store.close());
    const s = session();
    await store.put(s);
    const got = await store.get(s.id);
    assert.deepEqual(got, s);
    got!.context = 'target';
    assert.equal((await store.get(s.id))!.context, 'source', 'a read copy does not write through');
    await store.put({ ...s, context: 'target' });
    assert.equal((await store.get(s.id))!.context, 'target');
  });

  test(`${name}: an unknown or deleted session is absent`, async (t) => {
    const store = await open();
    if (store === undefined) return;
    t.after(() => store.close());
    assert.equal(await store.get('no-such-session'), undefined);
    assert.equal(await store.get('expiry'), undefined, 'a client-chosen id never reads another key of the store');
    const s = session();
    await store.put(s);
    await store.delete(s.id);
    assert.equal(await store.get(s.id), undefined);
  });

  test(`${name}: an expired session is absent`, async (t) => {
    const store = await open();
    if (store === undefined) return;
    t.after(() => store.close());
    const s = session({ expiresAt: Math.floor(Date.now() / 1000) + 1 });
    await store.put(s);
    assert.ok(await store.get(s.id));
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal(await store.get(s.id), undefined);
  });

  test(`${name}: update changes the stored session, never brings back a deleted one, and loses no concurrent change`, async (t) => {
    const store = await open();
    if (store === undefined) return;
    t.after(() => store.close());
    const s = session();
    await store.put(s);
    const updated = await store.update(s.id, (x) => { x.context = 'target'; });
    assert.equal(updated?.context, 'target');
    assert.equal((await store.get(s.id))?.context, 'target');
    await Promise.all([
      store.update(s.id, (x) => { x.backends.target = { sessionId: 't', accessToken: 'x.y.z', expiresAt: s.expiresAt }; }),
      store.update(s.id, (x) => { x.userId = 99; }),
    ]);
    const both = await store.get(s.id);
    assert.equal(both?.backends.target?.sessionId, 't');
    assert.equal(both?.userId, 99);
    await store.delete(s.id);
    assert.equal(await store.update(s.id, (x) => { x.context = 'source'; }), undefined, 'a logout is not undone');
    assert.equal(await store.get(s.id), undefined);
  });

  test(`${name}: count reflects live sessions`, async (t) => {
    const store = await open();
    if (store === undefined) return;
    t.after(() => store.close());
    const before = await store.count();
    const a = session();
    const b = session();
    await store.put(a);
    await store.put(b);
    assert.equal(await store.count(), before + 2);
    await store.delete(a.id);
    assert.equal(await store.count(), before + 1);
    await store.check();
  });
}
