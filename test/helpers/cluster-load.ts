import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';

/** One call's outcome as a client sees it. */
export interface CallRecord {
  client: number;
  kind: 'read' | 'write';
  /** performance.now() at send and at answer (or error). */
  sentAt: number;
  doneAt: number;
  /** ok; fault (a PortaBilling-style answer with a faultcode); connection (no answer from a node: a socket error, or the load balancer's own 502/503/504 page). */
  outcome: 'ok' | 'fault' | 'connection';
  detail: string;
  /** A write's note (unique per call), to find it in the simulators' write logs. */
  tag?: string;
  iCustomer?: number;
}

export interface LoadOptions {
  /** The load balancer's admin listener (or any node's). */
  url: string;
  clients: number;
  /** Bounds of the run: calls per client and wall time. */
  maxCallsPerClient: number;
  maxMs: number;
  /** Customers the clients touch (client k works on customers[k % length]). */
  customers: number[];
  /** Pause between a client's calls (default 0). */
  pauseMs?: number;
  /** Per-call deadline (default 15 s): a hung call is a failure, never a hung test. */
  callTimeoutMs?: number;
}

/** Logs one admin session in per client. */
export async function loginClients(url: string, clients: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let k = 0; k < clients; k++) {
    const r = await restCall(url, 'Session/login', { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token });
    if (r.outcome !== 'ok' || typeof r.json.access_token !== 'string') throw new Error(`login ${k}: ${r.detail}`);
    tokens.push(r.json.access_token);
  }
  return tokens;
}

/** One REST call, classified; never throws. */
export async function restCall(url: string, method: string, params: unknown, token?: string, timeoutMs = 15_000): Promise<{ outcome: CallRecord['outcome']; detail: string; status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${url}/rest/${method}`, { method: 'POST', headers, body: JSON.stringify({ params }), signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { outcome: 'connection', detail: `${(err as Error).name}${cause === undefined ? '' : ` ${cause}`}`, status: 0, json: {} };
  }
  let json: Record<string, unknown> = {};
  try { json = JSON.parse(text) as Record<string, unknown>; } catch { /* the balancer's HTML error page */ }
  if (res.status === 200) return { outcome: 'ok', detail: '200', status: 200, json };
  if (typeof json.faultcode === 'string') return { outcome: 'fault', detail: json.faultcode, status: res.status, json };
  return { outcome: 'connection', detail: `HTTP ${res.status} from the load balancer`, status: res.status, json };
}

/**
 * Clients calling through the load balancer until `stop()` (or the bounds): each alternates a
 * read (`get_customer_info`) and a write (`update_customer` with a unique note) of its customer,
 * and every call is recorded.
 */
export function runLoad(o: LoadOptions, tokens: string[]): { records: CallRecord[]; stop(): Promise<CallRecord[]> } {
  const records: CallRecord[] = [];
  let stopped = false;
  const started = performance.now();
  const client = async (k: number) => {
    const iCustomer = o.customers[k % o.customers.length]!;
    for (let n = 0; n < o.maxCallsPerClient && !stopped && performance.now() - started < o.maxMs; n++) {
      const kind = n % 2 === 0 ? 'read' : 'write';
      const tag = `load-${k}-${n}`;
      const sentAt = performance.now();
      const r = kind === 'read'
        ? await restCall(o.url, 'Customer/get_customer_info', { i_customer: iCustomer }, tokens[k], o.callTimeoutMs)
        : await restCall(o.url, 'Customer/update_customer', { customer_info: { i_customer: iCustomer, notes: tag } }, tokens[k], o.callTimeoutMs);
      records.push({ client: k, kind, sentAt, doneAt: performance.now(), outcome: r.outcome, detail: r.detail, iCustomer, ...(kind === 'write' ? { tag } : {}) });
      if (o.pauseMs) await sleep(o.pauseMs);
    }
  };
  const all = Promise.all(Array.from({ length: o.clients }, (_, k) => client(k)));
  return {
    records,
    async stop() {
      stopped = true;
      await all;
      return records;
    },
  };
}

/** Counts per outcome and detail, for messages and diagnostics. */
export function summarize(records: CallRecord[]): { ok: number; failed: number; byDetail: Record<string, number> } {
  const byDetail: Record<string, number> = {};
  let ok = 0;
  for (const r of records) {
    if (r.outcome === 'ok') ok++;
    else byDetail[`${r.outcome}: ${r.detail}`] = (byDetail[`${r.outcome}: ${r.detail}`] ?? 0) + 1;
  }
  return { ok, failed: records.length - ok, byDetail };
}

/**
 * The ledger check for many customers: every acknowledged write must be in a simulator's write
 * log, and no write may have reached a system its customer had left (the simulator refuses and
 * counts those).
 */
export async function writeLedger(records: CallRecord[], sims: Array<Record<string, string>>): Promise<{ acknowledged: number; lost: number; misrouted: number }> {
  const customers = [...new Set(records.filter((r) => r.iCustomer !== undefined).map((r) => r.iCustomer!))];
  const applied = new Set<string>();
  let misrouted = 0;
  for (const sim of sims) {
    for (const c of customers) {
      const log = (await (await fetch(`${sim.admin}/sim/write-log?i_customer=${c}`)).json()) as { applied: Array<{ fields: Record<string, unknown> }>; refused_count: number };
      for (const e of log.applied) if (typeof e.fields.notes === 'string') applied.add(e.fields.notes);
      misrouted += log.refused_count;
    }
  }
  const acked = records.filter((r) => r.kind === 'write' && r.outcome === 'ok');
  return { acknowledged: acked.length, lost: acked.filter((r) => !applied.has(r.tag!)).length, misrouted };
}
