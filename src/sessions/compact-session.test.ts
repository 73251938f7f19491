import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packedExpiresAt, packSession, unpackSession } from './compact-session.ts';
import { signJwt } from './jwt.ts';
import type { DispatcherSession } from './session.ts';

const admin: DispatcherSession = {
  id: 'a'.repeat(48), realm: 'admin', login: 'admin', refreshSecret: 'secret', createdAt: 1_700_000_000, expiresAt: 1_700_003_600.5,
  context: 'target',
  backends: {
    source: { sessionId: 's1', accessToken: signJwt({ exp: 1_700_003_600, login: 'admin' }, 'k'), refreshToken: 'rt1', expiresAt: 1_700_003_600 },
    target: { sessionId: 't1', accessToken: 'opaque-token', expiresAt: 1_700_003_000 },
  },
  missing: [], userId: 7, clientIp: '127.0.0.1',
};

test('a packed session unpacks equal, optional fields absent stay absent, and its expiry reads without parsing', () => {
  const text = packSession(admin);
  assert.deepEqual(unpackSession(admin.id, text), admin);
  assert.equal(packedExpiresAt(text), admin.expiresAt);
  assert.ok(text.length < JSON.stringify(admin).length - 150, 'no key names, no id, no JWT header');
  const retail: DispatcherSession = { ...admin, realm: 'customer', pinned: 'source', iCustomer: 5, iAccount: 9, backends: { source: admin.backends.source! }, missing: ['target'] };
  const back = unpackSession(retail.id, packSession(retail));
  assert.deepEqual(back, retail);
  assert.equal('target' in back.backends, false);
  assert.equal('refreshToken' in unpackSession(admin.id, packSession(admin)).backends.target!, false);
});

test('a session with a field the compact layout does not know is kept whole', () => {
  const extra = { ...admin, note: 'kept' } as DispatcherSession;
  assert.deepEqual(unpackSession(admin.id, packSession(extra)), extra);
  assert.equal(packedExpiresAt(packSession(extra)), admin.expiresAt);
});
