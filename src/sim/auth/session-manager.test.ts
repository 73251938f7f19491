import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionManager } from './session-manager.ts';
import { SimStore } from '../model/sim-store.ts';
import { SeedSpace } from '../model/seed-space.ts';
import { buildConfigEntities } from '../model/config-entities.ts';

/** A clock that moves 700 ms every time it is read, so two readings per reply would lose a second. */
function tickingClock(startMs: number): () => number {
  let t = startMs;
  return () => {
    const now = t;
    t += 700;
    return now;
  };
}

function manager(now: () => number): SessionManager {
  const store = new SimStore(new SeedSpace(1, 'source', 5, 1_800_000_000_000), buildConfigEntities(1));
  return new SessionManager({ store, users: [{ realm: 'admin', login: 'admin', password: 'pw', i_user: 1 }], env: 3, ttlSeconds: 3600, now });
}

test('expires_in of a login reply is the full session lifetime even when the clock moves while replying', () => {
  const sessions = manager(tickingClock(1_800_000_000_500));
  const reply = sessions.open({ realm: 'admin', login: 'admin', i_user: 1 });
  assert.equal(reply.expires_in, 3600);
});

test('expires_in of a refreshed session is the full lifetime and agrees with the token\'s exp', () => {
  const sessions = manager(tickingClock(1_800_000_000_500));
  const first = sessions.open({ realm: 'admin', login: 'admin', i_user: 1 });
  const renewed = sessions.refresh(first.refresh_token);
  assert.equal(renewed.expires_in, 3600);
  const payloadPart = renewed.access_token.split('.')[1] ?? '';
  const payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as { exp: number; iat: number };
  assert.equal(payload.exp - payload.iat, 3600);
});
