import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextStage } from './context-stage.ts';
import { MemorySessionStore } from '../../sessions/memory-session-store.ts';
import { ApiFault, PortaFaultCode } from '../../core/faults.ts';
import type { EnvCheck } from '../../backends/env-check.ts';
import type { SystemName } from '../../core/api-call.ts';
import type { Plan } from '../../routing/plan.ts';
import type { DispatcherSession } from '../../sessions/session.ts';
import type { CallContext } from '../pipeline.ts';
import { apiCall, jsonOk, session } from '../../../test/helpers/stages.ts';

const switchTo = (system: SystemName, switchContext = true): Plan => ({ kind: 'single', system, rule: 'env-switch', switchContext });
const refusing = (refused: SystemName): EnvCheck => ({ refusal: (s: SystemName) => (s === refused ? `the ${s} environment is not verified` : undefined) }) as unknown as EnvCheck;

async function setup(o: Partial<DispatcherSession> = {}) {
  const store = new MemorySessionStore();
  const s = session({ context: 'source', ...o });
  await store.put(s);
  return { store, s };
}

/** Runs the stage; returns the context the store held when the rest of the chain ran (undefined: it did not run). */
async function run(stage: ReturnType<typeof contextStage>, store: MemorySessionStore, s: DispatcherSession, plan: Plan): Promise<SystemName | undefined> {
  const ctx: CallContext = { call: apiCall(), raw: {} as never, session: s, plan };
  let seen: SystemName | undefined;
  await stage(ctx, async () => { seen = (await store.get(s.id))?.context; return jsonOk({}); });
  return seen;
}

test('a call that switches the context stores the new context before it runs', async () => {
  const { store, s } = await setup();
  assert.equal(await run(contextStage(store), store, s, switchTo('target')), 'target');
  assert.equal(s.context, 'target', 'and on the session the call runs with');
});

test('a call that does not switch, or switches to where the session already is, changes nothing and is not checked', async () => {
  const { store, s } = await setup();
  const stage = contextStage(store, refusing('target'));
  assert.equal(await run(stage, store, s, switchTo('target', false)), 'source');
  assert.equal(await run(stage, store, s, { kind: 'single', system: 'target', rule: 'locator' }), 'source');
  assert.equal(await run(stage, store, s, { kind: 'merge', systems: ['source', 'target'], paging: 'per-system' }), 'source');
  const there = await setup({ context: 'target' });
  assert.equal(await run(stage, there.store, there.s, switchTo('target')), 'target', 'already there: no refusal');
  assert.equal(s.context, 'source');
});

test('a retail session, or one without a backend session on the system, keeps its context', async () => {
  const stage = contextStage(new MemorySessionStore(), refusing('target'));
  const pinned = await setup({ pinned: 'source', realm: 'customer' });
  assert.equal(await run(stage, pinned.store, pinned.s, switchTo('target')), 'source');
  const one = await setup({ backends: { source: session().backends.source! } });
  assert.equal(await run(contextStage(one.store, refusing('target')), one.store, one.s, switchTo('target')), 'source');
  assert.equal(one.s.context, 'source');
});

test('a switch to a system whose environment is not verified is refused, the context unchanged', async () => {
  const { store, s } = await setup();
  const ctx: CallContext = { call: apiCall(), raw: {} as never, session: s, plan: switchTo('target') };
  let ran = false;
  assert.throws(() => contextStage(store, refusing('target'))(ctx, async () => { ran = true; return jsonOk({}); }),
    (e: unknown) => e instanceof ApiFault && e.faultcode === 'Server.Dispatcher.env_unverified' && e.faultstring === 'the target environment is not verified');
  assert.equal(ran, false);
  assert.equal(s.context, 'source');
  assert.equal((await store.get(s.id))?.context, 'source');
  // A verified one goes.
  assert.equal(await run(contextStage(store, refusing('source')), store, s, switchTo('target')), 'target');
});

test('a switch in a session that ended meanwhile is refused: log in again', async () => {
  const store = new MemorySessionStore();
  const s = session();
  const ctx: CallContext = { call: apiCall(), raw: {} as never, session: s, plan: switchTo('target') };
  let ran = false;
  await assert.rejects(contextStage(store)(ctx, async () => { ran = true; return jsonOk({}); }),
    (e: unknown) => e instanceof ApiFault && e.faultcode === PortaFaultCode.authFailed && e.faultstring === 'The session ended (logged out or expired): log in again');
  assert.equal(ran, false);
});
