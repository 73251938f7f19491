import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXPIRED, SessionTokens } from './session-tokens.ts';
import { signJwt } from './jwt.ts';

test('session ids and refresh secrets are distinct and of the issued form', () => {
  const t = new SessionTokens('secret');
  const ids = new Set(Array.from({ length: 1000 }, () => t.newSessionId()));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[0-9a-f]{48}$/);
  const secrets = new Set(Array.from({ length: 1000 }, () => t.newRefreshSecret()));
  assert.equal(secrets.size, 1000);
  for (const s of secrets) assert.match(s, /^[A-Za-z0-9_-]{32}$/);
});

test('access tokens resolve to their session past the verified-token cap, and forged or expired ones do not', () => {
  const t = new SessionTokens('secret');
  const exp = Math.floor(Date.now() / 1000) + 60;
  const tokens = Array.from({ length: 25_000 }, (_, i) => signJwt({ jti: `s${i}`, exp }, 'secret'));
  const started = process.cpuUsage();
  for (let round = 0; round < 2; round++) {
    tokens.forEach((token, i) => assert.equal(t.sessionIdOfAccessToken(token), `s${i}`));
  }
  const { user, system } = process.cpuUsage(started);
  assert.ok(user + system < 5_000_000, `${((user + system) / 1e6).toFixed(1)} s of CPU`);
  assert.equal(t.sessionIdOfAccessToken(signJwt({ jti: 's1', exp }, 'other')), undefined);
  assert.equal(t.sessionIdOfAccessToken(signJwt({ jti: 's1', exp: exp - 120 }, 'secret')), EXPIRED);
});
