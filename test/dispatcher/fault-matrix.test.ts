import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSimulator, type SimulatorInstance } from '../../src/sim/simulator.ts';
import { startDispatcher, type RunningDispatcher } from '../../src/app/create-dispatcher.ts';
import { DEMO_ACCOUNT, DEMO_ADMIN, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';
import { DEMO_PHONE_MAC } from '../../src/sim/provisioning/device-registry.ts';
import { decodeSoapReply } from '../../src/soap/soap-reply.ts';
import type { SystemName } from '../../src/core/api-call.ts';
import { testConfig } from '../helpers/stack.ts';
import { proxyAll } from '../helpers/fault-proxy.ts';
import { sendIn } from '../helpers/call-styles.ts';
import { setFaults, loginFull, type Creds } from './support.ts';

/*
 * Every backend fault kind × every plan, against a real dispatcher in front of two simulators.
 * Each system's listeners sit behind raw TCP relays (test/helpers/fault-proxy.ts): they refuse
 * connections for `refused` and count the dispatcher's open sockets to each system; every other
 * kind is the simulator's own reply fault (`POST /sim/faults {"reply":…}`). A cell checks that
 * the client gets a clear fault (or the other system's answer, with the partial marker where the
 * plan has one) before the configured deadlines have run out, that no socket to a backend is left
 * behind, and that the next normal call is served.
 *
 * Kinds: `refused` (relay closed), then the simulator's reply faults: reset before the head, reset
 * mid body, stalled head, stalled body, the whole reply one byte a second, the head at once and the
 * body one byte a second, a 502 HTML page, a truncated chunked body, bytes that are not HTTP, and a
 * reply head over the 64 KiB head limit (the limit a reply has: bodies stream and have none).
 * Plans and what their client gets: a single forward, SOAP: a backend_unavailable/backend_timeout
 * fault (REST JSON, SOAP Fault); merge (partialMerge: partial) and login: the other system's
 * answer with x-webdispatcher-missing-system; broadcast: the other system's answer; portal and
 * provisioning: a 502/503/504 page from the dispatcher (the system's own 5xx page passes through).
 */

const KINDS = ['refused', 'reset_head', 'reset_body', 'stall_head', 'stall_body', 'trickle', 'trickle_body', 'html_5xx', 'truncated_chunked', 'garbage', 'oversize_head'] as const;
type Kind = (typeof KINDS)[number];

/** bodyMs over the trickle's one second: a body dripping one byte a second is never silent that long. */
const TIMEOUTS = { connectMs: 500, headersMs: 1000, bodyMs: 1500 };
/** The latest a faulted call may answer: the backend deadlines (a login or provisioning may run two in a row) plus a margin. */
const DEADLINE_MS = 2 * (TIMEOUTS.headersMs + TIMEOUTS.bodyMs) + 3000;
const MISSING = 'x-webdispatcher-missing-system';
const BACKEND_FAULT = /^Server\.Dispatcher\.backend_(unavailable|timeout)$/;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

interface Topology {
  dispatcher: RunningDispatcher;
  sims: Record<SystemName, SimulatorInstance>;
  /** Open sockets from the dispatcher to both systems (through the relays). */
  open(): number;
  /** Open sockets to the faulted system that carried a request while it was faulted. */
  faultedOpen(): number;
  fault(system: SystemName, kind: Kind): Promise<void>;
  clear(system: SystemName): Promise<void>;
}

async function topology(t: TestContext, config: Record<string, unknown> = {}): Promise<Topology> {
  const source = await createSimulator({ role: 'source', env: 3, customers: 30, seed: 1 });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 10, seed: 1 });
  t.after(() => target.close());
  const relays = { source: await proxyAll(source.urls), target: await proxyAll(target.urls) };
  t.after(() => Promise.all([relays.source.close(), relays.target.close()]));
  const dispatcher = await startDispatcher(testConfig(
    { env: 3, urls: relays.source.urls },
    { env: 8, urls: relays.target.urls },
    { timeouts: TIMEOUTS, ...config },
  ));
  t.after(() => dispatcher.close());
  const sims = { source, target };
  return {
    dispatcher, sims,
    open: () => relays.source.open() + relays.target.open(),
    faultedOpen: () => relays.source.markedOpen() + relays.target.markedOpen(),
    async fault(system, kind) {
      relays[system].mark(true);
      if (kind === 'refused') await relays[system].refuse();
      else await setFaults(sims[system], { reply: kind });
    },
    async clear(system) {
      relays[system].mark(false);
      await relays[system].restore();
      await setFaults(sims[system], { reply: 'none' });
    },
  };
}

async function answer(res: Response): Promise<Answer> {
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function rest(base: string, serviceMethod: string, params: unknown, creds?: Pick<Creds, 'access_token'>, prefix = '/rest'): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (creds !== undefined) headers.authorization = `Bearer ${creds.access_token}`;
  return fetch(`${base}${prefix}/${serviceMethod}`, { method: 'POST', headers, body: JSON.stringify({ params }), signal: AbortSignal.timeout(DEADLINE_MS) }).then(answer);
}

/** A PortaBilling REST fault: JSON `{"faultcode","faultstring"}`, an error status, the code asked. */
function assertFault(a: Answer, code: RegExp, what: string): void {
  assert.ok(a.status >= 400, `${what}: expected a fault, got ${a.status} ${a.text.slice(0, 300)}`);
  assert.match(a.headers.get('content-type') ?? '', /^application\/json\b/, `${what}: content type of ${a.text.slice(0, 200)}`);
  const body = JSON.parse(a.text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), ['faultcode', 'faultstring'], what);
  assert.match(String(body.faultcode), code, `${what}: ${a.text}`);
  assert.ok(String(body.faultstring).length > 0, `${what}: empty faultstring`);
}

function assertOk(a: Answer, what: string): Record<string, unknown> {
  assert.equal(a.status, 200, `${what}: ${a.status} ${a.text.slice(0, 300)}`);
  return JSON.parse(a.text) as Record<string, unknown>;
}

/**
 * Waits (bounded) until the dispatcher holds no socket that was used while the system was
 * faulted, and no more backend sockets than before the cell; returns both counts.
 */
async function settledSockets(top: Topology, before: number): Promise<{ faulted: number; open: number }> {
  const now = () => ({ faulted: top.faultedOpen(), open: top.open() });
  let n = now();
  for (let i = 0; i < 40 && (n.faulted > 0 || n.open > before); i++) {
    await sleep(100);
    n = now();
  }
  return n;
}

interface Plan {
  name: string;
  /** The system a cell faults. */
  faulted: SystemName;
  config?: Record<string, unknown>;
  /** Logs in and so on, once per topology; returns what the calls need. */
  setup(top: Topology): Promise<unknown>;
  /** The plan's call while the system is faulted: asserts the client's answer. */
  faultedCall(top: Topology, ctx: unknown, kind: Kind): Promise<void>;
  /** The plan's call with no fault: asserts a normal answer. */
  normalCall(top: Topology, ctx: unknown): Promise<void>;
}

const adminLogin = (top: Topology): Promise<Creds> => loginFull(top.dispatcher.urls.admin!, { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token });

let notes = 0;

const PLANS: Plan[] = [
  {
    name: 'single forward (routed read and write of a source customer)',
    faulted: 'source',
    setup: adminLogin,
    async faultedCall(top, ctx, kind) {
      const creds = ctx as Creds;
      const [read, write] = await Promise.all([
        rest(top.dispatcher.urls.admin!, 'Customer/get_customer_info', { i_customer: DEMO_CUSTOMER.iCustomer }, creds),
        rest(top.dispatcher.urls.admin!, 'Customer/update_customer', { customer_info: { i_customer: DEMO_CUSTOMER.iCustomer, notes: `fault ${kind}` } }, creds),
      ]);
      assertFault(read, BACKEND_FAULT, `${kind}: read`);
      assertFault(write, BACKEND_FAULT, `${kind}: write`);
    },
    async normalCall(top, ctx) {
      const creds = ctx as Creds;
      const info = assertOk(await rest(top.dispatcher.urls.admin!, 'Customer/get_customer_info', { i_customer: DEMO_CUSTOMER.iCustomer }, creds), 'read');
      assert.equal((info.customer_info as { i_customer: number }).i_customer, DEMO_CUSTOMER.iCustomer);
      assertOk(await rest(top.dispatcher.urls.admin!, 'Customer/update_customer', { customer_info: { i_customer: DEMO_CUSTOMER.iCustomer, notes: `normal ${++notes}` } }, creds), 'write');
    },
  },
  {
    name: 'merge (customer list from both, the target faulted, partialMerge: partial)',
    faulted: 'target',
    config: { routing: { partialMerge: 'partial' } },
    setup: adminLogin,
    async faultedCall(top, ctx, kind) {
      const a = await rest(top.dispatcher.urls.admin!, 'Customer/get_customer_list', { limit: 100 }, ctx as Creds);
      const list = assertOk(a, `${kind}: merge`).customer_list as Array<{ i_customer: number }>;
      assert.equal(a.headers.get(MISSING), 'target', `${kind}: the partial marker`);
      assert.ok(list.length > 0 && list.every((c) => c.i_customer % 2 === 1), `${kind}: the source's rows only`);
    },
    async normalCall(top, ctx) {
      const a = await rest(top.dispatcher.urls.admin!, 'Customer/get_customer_list', { limit: 100 }, ctx as Creds);
      const list = assertOk(a, 'merge').customer_list as Array<{ i_customer: number }>;
      assert.equal(a.headers.get(MISSING), null);
      assert.ok(list.some((c) => c.i_customer % 2 === 0) && list.some((c) => c.i_customer % 2 === 1), 'rows of both systems');
    },
  },
  {
    name: 'broadcast (PortaSIP call, the target faulted)',
    faulted: 'target',
    setup: adminLogin,
    async faultedCall(top, ctx, kind) {
      const a = await rest(top.dispatcher.urls.portasip!, 'Voicemail/get_settings', { i_account: DEMO_ACCOUNT.iAccount }, ctx as Creds, '/portasip');
      assert.ok(assertOk(a, `${kind}: broadcast`).voicemail_settings, `${kind}: the source's answer`);
    },
    async normalCall(top, ctx) {
      assert.ok(assertOk(await rest(top.dispatcher.urls.portasip!, 'Voicemail/get_settings', { i_account: DEMO_ACCOUNT.iAccount }, ctx as Creds, '/portasip'), 'broadcast').voicemail_settings);
    },
  },
  {
    name: 'login to both (admin Session/login, the target faulted)',
    faulted: 'target',
    setup: () => Promise.resolve(undefined),
    async faultedCall(top, _ctx, kind) {
      const a = await rest(top.dispatcher.urls.admin!, 'Session/login', { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token });
      const body = assertOk(a, `${kind}: login`);
      assert.equal(typeof body.access_token, 'string');
      assert.equal(a.headers.get(MISSING), 'target', `${kind}: the partial marker`);
    },
    async normalCall(top) {
      const a = await rest(top.dispatcher.urls.admin!, 'Session/login', { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token });
      assert.equal(typeof assertOk(a, 'login').access_token, 'string');
      assert.equal(a.headers.get(MISSING), null);
    },
  },
  {
    name: 'SOAP call (Customer get_customer_info of a source customer)',
    faulted: 'source',
    setup: adminLogin,
    async faultedCall(top, ctx, kind) {
      const r = await Promise.race([
        sendIn('soap', top.dispatcher.urls.admin!, 'Customer/get_customer_info', { i_customer: DEMO_CUSTOMER.iCustomer }, ctx as Creds),
        sleep(DEADLINE_MS).then(() => assert.fail(`${kind}: no SOAP answer within ${DEADLINE_MS} ms`)),
      ]);
      assert.equal(r.status, 500, `${kind}: ${r.text.slice(0, 300)}`);
      assert.match(r.text, /<SOAP-ENV:Fault>/, `${kind}: a SOAP fault`);
      const code = /<faultcode>([^<]*)<\/faultcode>/.exec(r.text)?.[1] ?? '';
      assert.match(code, BACKEND_FAULT, `${kind}: ${r.text.slice(0, 300)}`);
      assert.match(r.text, /<faultstring>[^<]+<\/faultstring>/);
    },
    async normalCall(top, ctx) {
      const r = await sendIn('soap', top.dispatcher.urls.admin!, 'Customer/get_customer_info', { i_customer: DEMO_CUSTOMER.iCustomer }, ctx as Creds);
      assert.equal(r.status, 200, r.text.slice(0, 300));
      assert.equal((decodeSoapReply(r.text) as { customer_info: { i_customer: number } }).customer_info.i_customer, DEMO_CUSTOMER.iCustomer);
    },
  },
  {
    name: 'portal page (John, bound to the source, opens /home)',
    faulted: 'source',
    async setup(top) {
      const res = await fetch(`${top.dispatcher.urls.portal!}/login`, {
        method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password, realm: 'customer' }).toString(),
      });
      await res.text();
      assert.equal(res.status, 303);
      return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    },
    async faultedCall(top, ctx, kind) {
      const a = await answer(await fetch(`${top.dispatcher.urls.portal!}/home`, { headers: { cookie: ctx as string }, redirect: 'manual', signal: AbortSignal.timeout(DEADLINE_MS) }));
      assert.ok(a.status === 502 || a.status === 503 || a.status === 504, `${kind}: ${a.status} ${a.text.slice(0, 300)}`);
      assert.match(a.headers.get('content-type') ?? '', /^text\/html/);
      if (kind !== 'html_5xx') assert.match(a.text, /data-code="unavailable"/, `${kind}: the dispatcher's page`);
    },
    async normalCall(top, ctx) {
      const a = await answer(await fetch(`${top.dispatcher.urls.portal!}/home`, { headers: { cookie: ctx as string }, redirect: 'manual' }));
      assert.equal(a.status, 200, a.text.slice(0, 300));
      assert.match(a.text, /data-role="source"/);
    },
  },
  {
    name: 'provisioning (CPE file of a source phone)',
    faulted: 'source',
    setup: () => Promise.resolve(undefined),
    async faultedCall(top, _ctx, kind) {
      const a = await answer(await fetch(`${top.dispatcher.urls.provisioning!}/${DEMO_PHONE_MAC}.cfg`, { signal: AbortSignal.timeout(DEADLINE_MS) }));
      assert.ok(a.status === 502 || a.status === 503 || a.status === 504, `${kind}: ${a.status} ${a.text.slice(0, 300)}`);
      assert.doesNotMatch(a.text, /account\.1\.user_name/, `${kind}: no file`);
    },
    async normalCall(top) {
      const a = await answer(await fetch(`${top.dispatcher.urls.provisioning!}/${DEMO_PHONE_MAC}.cfg`));
      assert.equal(a.status, 200, a.text.slice(0, 300));
      assert.match(a.text, /account\.1\.user_name = 15551230001/);
    },
  },
];

describe('fault matrix: every backend fault kind × every plan', { concurrency: true }, () => {
  for (const plan of PLANS) {
    test(plan.name, async (t) => {
      const top = await topology(t, plan.config);
      const ctx = await plan.setup(top);
      await plan.normalCall(top, ctx);
      for (const kind of KINDS) {
        await t.test(kind, async () => {
          const before = top.open();
          await top.fault(plan.faulted, kind);
          try {
            const started = Date.now();
            await plan.faultedCall(top, ctx, kind);
            assert.ok(Date.now() - started < DEADLINE_MS, `${kind}: answered within ${DEADLINE_MS} ms`);
          } finally {
            await top.clear(plan.faulted);
          }
          await plan.normalCall(top, ctx);
          const after = await settledSockets(top, before);
          assert.equal(after.faulted, 0, `${kind}: sockets used while faulted still open`);
          assert.ok(after.open <= before, `${kind}: backend sockets ${before} before, ${after.open} after`);
        });
      }
    });
  }
});
