import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renewStage, RENEWABLE } from './renew-stage.ts';
import { MemorySessionStore } from '../../sessions/memory-session-store.ts';
import { ApiFault, PortaFaultCode } from '../../core/faults.ts';
import type { BackendClient, BackendRequest } from '../../backends/backend-client.ts';
import type { Reply } from '../../core/reply.ts';
import type { SystemCall } from '../system-call.ts';
import { jsonOk, recordingLogger, session, systemCall } from '../../../test/helpers/stages.ts';

/** A backend whose refresh answers `status` with a new token (and counts the refreshes it was asked). */
function refreshingBackend(status = 200, opts: { throws?: boolean } = {}): BackendClient & { refreshes: BackendRequest[] } {
  const refreshes: BackendRequest[] = [];
  return {
    refreshes,
    callJson: async (req: BackendRequest) => {
      refreshes.push(req);
      if (opts.throws === true) throw new Error('refused connection');
      return { status, json: status === 200 ? { session_id: 'new-sid', access_token: 'new-at', refresh_token: 'new-rt', expires_in: 600 } : { faultcode: 'Server.Session.auth_failed' } };
    },
  } as unknown as BackendClient & { refreshes: BackendRequest[] };
}

async function stored(store: MemorySessionStore, o: Parameters<typeof session>[0] = {}) {
  const s = session(o);
  await store.put(s);
  return s;
}

/** A backend call that answers `replies` in turn, noting the fault code of each failed one as the send step does. */
function answering(ctx: SystemCall, replies: Array<[Reply, string?]>): { next: () => Promise<Reply>; sent: Array<string | undefined> } {
  const sent: Array<string | undefined> = [];
  let i = 0;
  return {
    sent,
    next: async () => {
      sent.push(`${ctx.session.backends[ctx.system]?.accessToken}|${ctx.faultcode ?? ''}`);
      const [reply, code] = replies[Math.min(i++, replies.length - 1)]!;
      if (code !== undefined) ctx.faultcode = code;
      return reply;
    },
  };
}

const fault = (status: number) => jsonOk({ faultcode: 'x' }, status);

test('the renewable backend faults are a refused session and a token the backend cannot process', () => {
  assert.deepEqual([...RENEWABLE].sort(), [PortaFaultCode.authFailed, PortaFaultCode.badAccessToken].sort());
});

for (const code of [PortaFaultCode.authFailed, PortaFaultCode.badAccessToken]) {
  test(`after a backend refuses the session's token (${code}), the backend session is renewed and the call sent once more`, async () => {
    const store = new MemorySessionStore();
    const logger = recordingLogger();
    const backends = refreshingBackend();
    const s = await stored(store);
    const ctx = systemCall({ session: s, system: 'target', call: { requestId: 'req-r' } });
    const ok = jsonOk({ done: 1 });
    const { next, sent } = answering(ctx, [[fault(500), code], [ok]]);
    assert.equal(await renewStage({ backends, sessions: store, logger })(ctx, next), ok);
    assert.deepEqual(sent, [`a-tgt|`, `new-at|`], 'sent again with the new token, the old fault code forgotten');
    assert.equal(backends.refreshes.length, 1);
    assert.equal(backends.refreshes[0]!.system, 'target');
    assert.equal(backends.refreshes[0]!.listener, 'admin');
    assert.equal(JSON.parse(backends.refreshes[0]!.body as string).params.refresh_token, 'f-tgt');
    assert.equal((await store.get(s.id))?.backends.target?.accessToken, 'new-at', 'the renewed backend session is stored');
    assert.equal((await store.get(s.id))?.backends.source?.accessToken, 'a-src', 'the other system\'s is not touched');
    assert.deepEqual(logger.lines, [{ level: 'info', msg: 'renewed backend session', fields: { requestId: 'req-r', system: 'target', realm: 'admin' } }]);
  });
}

test('other failed replies come back as they are, without a renewal', async () => {
  const store = new MemorySessionStore();
  const backends = refreshingBackend();
  const s = await stored(store);
  const cases: Array<[Reply, string?]> = [
    [fault(500), 'Server.Dispatcher.something_else'],
    [fault(500)],
    [fault(499), PortaFaultCode.authFailed],
    [fault(403), PortaFaultCode.badAccessToken],
    [jsonOk({ faultcode: PortaFaultCode.authFailed })],
  ];
  for (const c of cases) {
    const ctx = systemCall({ session: s });
    const { next, sent } = answering(ctx, [c]);
    assert.equal(await renewStage({ backends, sessions: store, logger: recordingLogger() })(ctx, next), c[0], `${c[0].status} ${c[1]}`);
    assert.equal(sent.length, 1);
  }
  assert.equal(backends.refreshes.length, 0);
});

test('a 500 is enough: a refused token at exactly HTTP 500 is renewed', async () => {
  const store = new MemorySessionStore();
  const backends = refreshingBackend();
  const s = await stored(store);
  const ctx = systemCall({ session: s });
  const { next, sent } = answering(ctx, [[fault(500), PortaFaultCode.authFailed], [jsonOk({})]]);
  await renewStage({ backends, sessions: store, logger: recordingLogger() })(ctx, next);
  assert.equal(sent.length, 2);
});

test('when the backend refuses the renewal too, or cannot be reached for it, the client is told to log in again', async () => {
  for (const backends of [refreshingBackend(500), refreshingBackend(200, { throws: true })]) {
    const store = new MemorySessionStore();
    const s = await stored(store);
    const ctx = systemCall({ session: s, system: 'source' });
    const { next, sent } = answering(ctx, [[fault(500), PortaFaultCode.authFailed]]);
    await assert.rejects(renewStage({ backends, sessions: store, logger: recordingLogger() })(ctx, next),
      (e: unknown) => e instanceof ApiFault && e.faultcode === PortaFaultCode.authFailed && e.faultstring === 'The source system ended this session: log in again');
    assert.equal(sent.length, 1, 'not sent again');
    assert.equal((await store.get(s.id))?.backends.source?.accessToken, 'a-src');
  }
});

test('a backend session that (nearly) expired is renewed before the call; one with time left is not', async () => {
  const realNow = Date.now;
  const t = 1_900_000_000_000;
  Date.now = () => t;
  try {
    const now = t / 1000;
    for (const [expiresAt, renewed] of [[now - 100, true], [now + 1, true], [now + 2, true], [now + 3, false]] as const) {
      const store = new MemorySessionStore();
      const backends = refreshingBackend();
      const base = session();
      const s = await stored(store, { backends: { ...base.backends, target: { ...base.backends.target!, expiresAt } } });
      const ctx = systemCall({ session: s, system: 'target', call: { realm: 'reseller' } });
      const { next, sent } = answering(ctx, [[jsonOk({})]]);
      await renewStage({ backends, sessions: store, logger: recordingLogger() })(ctx, next);
      assert.deepEqual(sent, [renewed ? 'new-at|' : 'a-tgt|'], `expires at now ${expiresAt - now >= 0 ? '+' : ''}${expiresAt - now}`);
      if (renewed) assert.equal(backends.refreshes[0]!.listener, 'reseller', 'renewed on the call\'s realm');
    }
  } finally {
    Date.now = realNow;
  }
});

test('a PortaSIP call renews its backend session on the admin listener', async () => {
  const store = new MemorySessionStore();
  const backends = refreshingBackend();
  const s = await stored(store, { realm: 'reseller' });
  const ctx = systemCall({ session: s, call: { realm: 'reseller', portasip: true } });
  const { next } = answering(ctx, [[fault(500), PortaFaultCode.authFailed], [jsonOk({})]]);
  await renewStage({ backends, sessions: store, logger: recordingLogger() })(ctx, next);
  assert.equal(backends.refreshes[0]!.listener, 'admin');
});

test('a session logged out while its backend session was renewed stays logged out', async () => {
  const store = new MemorySessionStore();
  const backends = refreshingBackend();
  const s = session();
  const ctx = systemCall({ session: s });
  const { next, sent } = answering(ctx, [[fault(500), PortaFaultCode.authFailed], [jsonOk({})]]);
  await assert.rejects(renewStage({ backends, sessions: store, logger: recordingLogger() })(ctx, next),
    (e: unknown) => e instanceof ApiFault && e.faultcode === PortaFaultCode.authFailed && e.faultstring === 'The session ended (logged out or expired): log in again');
  assert.equal(sent.length, 1);
  assert.equal(await store.get(s.id), undefined, 'not stored again');
});

test('a session without a backend session on the called system is refused before anything is sent', async () => {
  const store = new MemorySessionStore();
  const s = await stored(store, { backends: { source: session().backends.source! } });
  const ctx = systemCall({ session: s, system: 'target' });
  const { next, sent } = answering(ctx, [[jsonOk({})]]);
  assert.throws(() => renewStage({ backends: refreshingBackend(), sessions: store, logger: recordingLogger() })(ctx, next),
    (e: unknown) => e instanceof ApiFault && e.faultcode === PortaFaultCode.authFailed && e.faultstring === 'This session has no target session');
  assert.equal(sent.length, 0);
});
