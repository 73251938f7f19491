import type { IncomingHttpHeaders } from 'node:http';
import { createSimulator, SIM_LISTENERS, type SimulatorInstance } from '../../src/sim/simulator.ts';
import { restRoute } from '../../src/sim/rest/rest-route.ts';
import type { SimListener, SimulatorOptions } from '../../src/sim/contract.ts';
import { startDispatcher, type DispatcherDeps } from '../../src/app/create-dispatcher.ts';
import { testConfig } from '../helpers/stack.ts';
import type { SystemName } from '../../src/core/api-call.ts';
import type { AfterHook } from '../helpers/sim.ts';
import type { Stack } from '../helpers/stack.ts';

/** One request that reached a simulator's REST/PortaSIP route (what the backend saw). */
export interface SeenRequest {
  system: SystemName;
  listener: SimListener;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SpiedStack extends Stack {
  /** Every API request that reached a simulator's handler, in arrival order. */
  seen: SeenRequest[];
  /** Every request that arrived at a simulator listener (before injected faults), `/sim/*` excluded. */
  arrivals: Array<{ system: SystemName; listener: SimListener; method: string; path: string }>;
  sim(system: SystemName): SimulatorInstance;
}

export interface SpiedStackOptions {
  sourceCustomers?: number;
  targetCustomers?: number;
  /** Options given to both simulators (e.g. sessionTtlSeconds, adminCredentials, extraUsers). */
  sim?: Partial<Omit<SimulatorOptions, 'role' | 'env' | 'customers' | 'seed'>>;
  config?: Record<string, unknown>;
  deps?: DispatcherDeps;
}

/**
 * Mounts a recorder in front of every REST/PortaSIP route of a simulator: it logs the request
 * (headers and body as the backend received them) and hands it to a REST route of the same API.
 */
function spy(sim: SimulatorInstance, system: SystemName, stack: Pick<SpiedStack, 'seen' | 'arrivals'>): void {
  for (const listener of SIM_LISTENERS) {
    const inner = restRoute(sim.api, listener);
    sim.mount(listener, {
      name: `spy:${listener}`,
      matches(method, rawPath) {
        if (!rawPath.startsWith('/sim')) stack.arrivals.push({ system, listener, method, path: rawPath });
        return inner.matches(method, rawPath);
      },
      fault: inner.fault,
      handle(req) {
        stack.seen.push({ system, listener, method: req.method, path: req.rawPath, headers: req.headers, body: req.body.toString('utf8') });
        return inner.handle(req);
      },
    });
  }
}

/**
 * Two simulators (source i_env 3, target i_env 8, seed 1) with request recorders, and the
 * dispatcher in front of them, all on ephemeral loopback ports; closed when the test ends.
 */
export async function startSpiedStack(t: AfterHook, options: SpiedStackOptions = {}): Promise<SpiedStack> {
  const extra = options.sim ?? {};
  const source = await createSimulator({ ...extra, role: 'source', env: 3, customers: options.sourceCustomers ?? 50, seed: 1 });
  t.after(() => source.close());
  const target = await createSimulator({ ...extra, role: 'target', env: 8, customers: options.targetCustomers ?? 10, seed: 1 });
  t.after(() => target.close());
  const dispatcher = await startDispatcher(testConfig(source, target, options.config ?? {}), options.deps ?? {});
  t.after(() => dispatcher.close());
  const stack: SpiedStack = {
    source, target, dispatcher, seen: [], arrivals: [],
    url: (l) => dispatcher.urls[l]!,
    sim: (s) => (s === 'source' ? source : target),
  };
  spy(source, 'source', stack);
  spy(target, 'target', stack);
  return stack;
}

/** A reply with its body text and parsed JSON. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function toReply(res: Response): Promise<Reply> {
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { nonJson: text };
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The three REST request styles real clients use (SPEC §3). */
export type Style = 'json' | 'form' | 'path';
export const STYLES: readonly Style[] = ['json', 'form', 'path'];

/** The dispatcher credentials of a login. */
export interface Creds {
  session_id: string;
  access_token: string;
  refresh_token: string;
  expires_in: number;
  expires_at: string;
}

/**
 * Sends a call in one style: `json` = `{"params":…}` + Bearer access token; `form` = form fields
 * `auth_info={"session_id"}` and `params`; `path` = `/rest/S/m/<session_id>/<params JSON>`.
 */
export async function callAs(style: Style, baseUrl: string, serviceMethod: string, params: unknown, creds?: Pick<Creds, 'session_id' | 'access_token'>): Promise<Reply> {
  if (style === 'json') {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (creds !== undefined) headers.authorization = `Bearer ${creds.access_token}`;
    return toReply(await fetch(`${baseUrl}/rest/${serviceMethod}`, { method: 'POST', headers, body: JSON.stringify({ params }) }));
  }
  if (style === 'form') {
    const form = new URLSearchParams();
    if (creds !== undefined) form.set('auth_info', JSON.stringify({ session_id: creds.session_id }));
    form.set('params', JSON.stringify(params));
    return toReply(await fetch(`${baseUrl}/rest/${serviceMethod}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() }));
  }
  const sid = creds === undefined ? '' : encodeURIComponent(creds.session_id);
  return toReply(await fetch(`${baseUrl}/rest/${serviceMethod}/${sid}/${encodeURIComponent(JSON.stringify(params))}`, { method: 'POST' }));
}

/** Logs in through the dispatcher (JSON style) and returns the full login reply, or throws. */
export async function loginFull(baseUrl: string, credentials: Record<string, string>): Promise<Creds & { headers: Headers }> {
  const r = await callAs('json', baseUrl, 'Session/login', credentials);
  if (r.status !== 200 || typeof r.json.access_token !== 'string') throw new Error(`login ${JSON.stringify(credentials)} failed: ${r.status} ${r.text}`);
  return { ...(r.json as unknown as Creds), headers: r.headers };
}

/** Direct call to a simulator listener (bypassing the dispatcher). */
export async function direct(baseUrl: string, serviceMethod: string, params: unknown, token?: string, prefix = '/rest'): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return toReply(await fetch(`${baseUrl}${prefix}/${serviceMethod}`, { method: 'POST', headers, body: JSON.stringify({ params }) }));
}

/** Logs in directly on a simulator and returns its access token. */
export async function directLogin(baseUrl: string, credentials: Record<string, string>): Promise<string> {
  const r = await direct(baseUrl, 'Session/login', credentials);
  if (r.status !== 200 || typeof r.json.access_token !== 'string') throw new Error(`direct login failed: ${r.status} ${r.text}`);
  return r.json.access_token;
}

/** Sets injected faults on a simulator (`POST /sim/faults` on its admin listener). */
export async function setFaults(sim: SimulatorInstance, faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sim.urls.admin}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  if (res.status !== 200) throw new Error(`sim faults: ${res.status} ${await res.text()}`);
}

/** The simulator's audit of writes to one customer. */
export async function writeLog(sim: SimulatorInstance, iCustomer: number): Promise<{ applied_count: number; refused_count: number; applied: Array<{ method: string; fields: Record<string, unknown> }> }> {
  const res = await fetch(`${sim.urls.admin}/sim/write-log?i_customer=${iCustomer}`);
  return (await res.json()) as { applied_count: number; refused_count: number; applied: Array<{ method: string; fields: Record<string, unknown> }> };
}

/** API requests (not logins/logouts) a system received. */
export function apiCallsSeen(stack: SpiedStack, system: SystemName): SeenRequest[] {
  return stack.seen.filter((r) => r.system === system && !r.path.startsWith('/rest/Session/'));
}
