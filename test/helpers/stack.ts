import { createSimulator, type SimulatorInstance } from '../../src/sim/simulator.ts';
import { startDispatcher, type RunningDispatcher, type DispatcherDeps } from '../../src/app/create-dispatcher.ts';
import { demoConfig } from '../../src/app/demo-config.ts';
import type { AfterHook, StartSimOptions } from './sim.ts';
import type { DispatcherConfig } from '../../src/config/config.ts';

/**
 * The demo config with no periodic or start-up job (drift runs, console watchers, the environment check at start): a job firing in the middle
 * of a test would add calls to the simulators the test counts. A test that wants one sets it.
 */
export function testConfig(
  source: Parameters<typeof demoConfig>[0],
  target: Parameters<typeof demoConfig>[1],
  overrides: Record<string, unknown> = {},
): DispatcherConfig {
  const quiet: Record<string, Record<string, unknown>> = {
    drift: { intervalMs: 0 },
    reconcile: { intervalMs: 0 },
    envCheck: { atStart: false },
    ops: { checkIntervalMs: 0, totalsIntervalMs: 0, trafficStepMs: 0 },
  };
  const merged: Record<string, unknown> = { ...overrides };
  for (const [k, v] of Object.entries(quiet)) {
    const given = overrides[k];
    merged[k] = typeof given === 'object' && given !== null ? { ...v, ...given } : v;
  }
  // demoConfig merges one level deep: keep its service login unless the test replaced or removed it.
  const ops = merged.ops as Record<string, unknown>;
  const givenOps = overrides.ops as Record<string, unknown> | undefined;
  if (givenOps === undefined || !('serviceLogin' in givenOps)) delete ops.serviceLogin;
  return demoConfig(source, target, merged);
}

export interface Stack {
  source: SimulatorInstance;
  target: SimulatorInstance;
  dispatcher: RunningDispatcher;
  /** Dispatcher URL of a listener. */
  url(listener: 'admin' | 'reseller' | 'customer' | 'account' | 'portasip' | 'ops'): string;
}

export interface StackOptions {
  sourceCustomers?: number;
  targetCustomers?: number;
  sessionTtlSeconds?: number;
  config?: Record<string, unknown>;
  deps?: DispatcherDeps;
  /** Extra simulator options for both systems (e.g. extendDescription). */
  simOptions?: Partial<StartSimOptions>;
  /** Over simOptions, for the target only (a system on another API release, say). */
  targetSimOptions?: Partial<StartSimOptions>;
}

/** Two simulators (source i_env 3, target i_env 8, same seed) and the dispatcher, on ephemeral ports. */
export async function startStack(t: AfterHook, options: StackOptions = {}): Promise<Stack> {
  const ttl = options.sessionTtlSeconds === undefined ? {} : { sessionTtlSeconds: options.sessionTtlSeconds };
  const source = await createSimulator({ role: 'source', env: 3, customers: options.sourceCustomers ?? 50, seed: 1, ...ttl, ...options.simOptions });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: options.targetCustomers ?? 10, seed: 1, ...ttl, ...options.simOptions, ...options.targetSimOptions });
  t.after(() => target.close());
  const dispatcher = await startDispatcher(testConfig(source, target, options.config ?? {}), options.deps ?? {});
  t.after(() => dispatcher.close());
  return {
    source, target, dispatcher,
    url: (l) => dispatcher.urls[l]!,
  };
}

/** POSTs a JSON-style REST call and parses the reply. */
export async function call(baseUrl: string, serviceMethod: string, params: unknown, token?: string): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${baseUrl}/rest/${serviceMethod}`, { method: 'POST', headers, body: JSON.stringify({ params }) });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { nonJson: text };
  }
  return { status: res.status, headers: res.headers, json };
}

/** Logs in through the dispatcher and returns the access token. */
export async function login(baseUrl: string, loginName: string, secret: { password: string } | { token: string }): Promise<string> {
  const r = await call(baseUrl, 'Session/login', { login: loginName, ...secret });
  if (r.status !== 200 || typeof r.json.access_token !== 'string') throw new Error(`login ${loginName} failed: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.access_token;
}

/** Moves a customer between the simulators the way an operator does: begin → transfer → commit. */
export async function migrate(stack: Stack, iCustomer: number, to: 'target' | 'source', opsToken = 'demo-ops-token'): Promise<void> {
  const ops = stack.url('ops');
  const auth = { authorization: `Bearer ${opsToken}`, 'content-type': 'application/json' };
  const begin = await fetch(`${ops}/v1/migrations/${iCustomer}/begin`, { method: 'POST', headers: auth });
  if (begin.status !== 200) throw new Error(`begin ${iCustomer}: ${begin.status} ${await begin.text()}`);
  const from = to === 'target' ? stack.source : stack.target;
  const dest = to === 'target' ? stack.target : stack.source;
  const transfer = await fetch(`${from.urls.admin}/sim/transfer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i_customer: iCustomer, target: dest.urls.admin }) });
  if (transfer.status !== 200) {
    await fetch(`${ops}/v1/migrations/${iCustomer}/abort`, { method: 'POST', headers: auth });
    throw new Error(`transfer ${iCustomer}: ${transfer.status} ${await transfer.text()}`);
  }
  const commit = await fetch(`${ops}/v1/migrations/${iCustomer}/commit`, { method: 'POST', headers: auth, body: JSON.stringify({ system: to }) });
  if (commit.status !== 200) throw new Error(`commit ${iCustomer}: ${commit.status} ${await commit.text()}`);
}
