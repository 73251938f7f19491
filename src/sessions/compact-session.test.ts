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

test('backend sessions as PortaBilling issues them pack to their bytes, and every string comes back exactly', () => {
  const sid = 'f'.repeat(8) + '0123456789abcdef0123456789abcdef'.slice(8);
  const token = signJwt({ iat: 1_700_000_000, exp: 1_700_003_600, jti: sid, login: 'admin', realm: 'admin', i_env: 3, aud: 'porta-billing-admin', i_user: 1 }, 'k');
  const real: DispatcherSession = {
    ...admin, id: '0123456789abcdef'.repeat(3), refreshSecret: 'Q2hhbmdlIG1lIHBsZWFzZSE_LXh5ejEyMzQ1',
    backends: {
      source: { sessionId: sid, accessToken: token, refreshToken: 'a1'.repeat(16), expiresAt: 1_700_003_600 },
      target: { sessionId: sid.toUpperCase(), accessToken: `${token}=`, refreshToken: 'not base64!', expiresAt: -5 },
    },
    missing: [],
  };
  const text = packSession(real);
  assert.deepEqual(unpackSession(real.id, text), real);
  const sourceOnly = packSession({ ...real, backends: { source: real.backends.source! } });
  assert.ok(sourceOnly.length < JSON.stringify(real.backends.source).length * 0.75, 'hex and base64url kept as bytes, jti not repeated');

  const odd: DispatcherSession = {
    ...real, login: 'ünïcødé \u{1F600}', clientIp: '\uD800 lone surrogate', createdAt: 2 ** 53 + 2, userId: 0, iCustomer: 2 ** 40, iAccount: 1.5,
    backends: { source: { sessionId: '', accessToken: `${token.split('.').slice(0, 2).join('.')}.`, expiresAt: 0.25 } },
    missing: ['target'],
  };
  assert.deepEqual(unpackSession(odd.id, packSession(odd)), odd);
  for (const missing of [['source'], ['source', 'target'], ['target', 'source'], ['source', 'source']] as DispatcherSession['missing'][]) {
    assert.deepEqual(unpackSession(real.id, packSession({ ...real, missing })), { ...real, missing }, JSON.stringify(missing));
  }
});
