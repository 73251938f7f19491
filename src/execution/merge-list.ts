import type { Readable } from 'node:stream';
import type { ApiCall, JsonObject, JsonValue, SystemName } from '../routing/api-call.ts';
import type { DispatcherConfig, PagingMode } from '../config/config.ts';
import type { DispatcherSession } from '../sessions/session.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import type { LocationResolver } from '../routing/location.ts';
import type { Logger } from '../ops/logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import { SYSTEMS } from '../routing/api-call.ts';
import { ApiFault, dispatcherFault } from '../edge/faults.ts';
import { forwardSingle } from './forward-single.ts';
import { jsonReply, MISSING_SYSTEM_HEADER, type Reply } from './reply.ts';
import type { ForwardSource } from './forward-body.ts';

export interface MergeArgs {
  config: DispatcherConfig;
  backends: BackendClient;
  sessions: SessionStore;
  resolver: LocationResolver;
  logger: Logger;
  metrics: Metrics;
  call: ApiCall;
  source: ForwardSource;
  session: DispatcherSession;
  systems: SystemName[];
  paging: PagingMode;
}

/** The deepest page `exact` paging serves (each system then returns up to this many rows). */
export const EXACT_PAGING_MAX_ROWS = 10_000;

type Row = { [key: string]: JsonValue };

/** Marks a record that the simulator (and a migration tool) left behind on the system it moved away from. */
export function isMovedAwayRow(row: Row): boolean {
  return row.migration_status === 'moved';
}

async function readText(body: string | Buffer | Readable): Promise<string> {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function listKey(result: JsonObject): string | undefined {
  return Object.keys(result).find((k) => k.endsWith('_list') && Array.isArray(result[k]));
}

function idOf(row: Row, idField: string): number | undefined {
  const v = row[idField];
  return typeof v === 'number' ? v : undefined;
}

function nonNegativeInt(v: JsonValue | undefined, name: string, fallback: number | undefined): number | undefined {
  if (v === undefined || v === null) return fallback;
  const n = typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw dispatcherFault('badRequest', `${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * Runs a list method on every system of the session and merges the rows: a moved record appears
 * once, from its location; `total` is summed without the duplicates. Paging `per-system` sends the
 * same limit/offset to each system (PortaBilling's documented behaviour: up to 2×limit rows);
 * `exact` returns exactly `limit` rows of one global order by id.
 */
export async function mergeLists(args: MergeArgs): Promise<Reply> {
  const { call, session, config } = args;
  const systems = args.systems.filter((s) => session.backends[s] !== undefined);
  if (systems.length === 0) throw dispatcherFault('backendUnavailable', 'This session has no backend system');
  const idField = call.service === 'Account' ? 'i_account' : 'i_customer';
  const limit = nonNegativeInt(call.params.limit, 'limit', undefined);
  const offset = nonNegativeInt(call.params.offset, 'offset', 0) ?? 0;
  const params: JsonObject = { ...call.params };
  // A customer moved away stays listed (marked) on the system it left; PortaBilling's
  // skip_exported leaves such records out of the rows and of `total`, so totals add up exactly
  // and a moved customer comes once, from where it lives. (The marker check below stays as a
  // safety net for systems that ignore the flag.)
  if (call.service === 'Customer' && params.skip_exported === undefined) params.skip_exported = 1;
  if (args.paging === 'exact' && limit !== undefined) {
    // Exact paging reads offset+limit rows from every system: bound what one call may buffer.
    if (offset + limit > EXACT_PAGING_MAX_ROWS) {
      throw dispatcherFault('badRequest', `Exact paging serves offset + limit up to ${EXACT_PAGING_MAX_ROWS} rows, got offset ${offset} + limit ${limit}; narrow the filter or use per-system paging`);
    }
    params.offset = 0;
    params.limit = offset + limit;
  }
  const body = JSON.stringify({ params });

  const settled = await Promise.allSettled(systems.map(async (system) => {
    const reply = await forwardSingle({ ...args, system, body, plan: 'merge' });
    const text = await readText(reply.body);
    if (reply.status !== 200) {
      let fault: ApiFault;
      try {
        const j = JSON.parse(text) as { faultcode?: string; faultstring?: string };
        fault = new ApiFault(j.faultcode ?? 'Server.unknown', `${system} system: ${j.faultstring ?? `HTTP ${reply.status}`}`);
      } catch {
        fault = dispatcherFault('backendUnavailable', `The ${system} system answered HTTP ${reply.status}`);
      }
      throw fault;
    }
    const json = JSON.parse(text) as JsonObject;
    return { system, json };
  }));

  const ok: Array<{ system: SystemName; json: JsonObject }> = [];
  const failed: Array<{ system: SystemName; fault: ApiFault }> = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') ok.push(s.value);
    else failed.push({ system: systems[i]!, fault: s.reason instanceof ApiFault ? s.reason : dispatcherFault('internal', String(s.reason)) });
  });
  if (ok.length === 0) throw failed.find((f) => !f.fault.faultcode.startsWith('Server.Dispatcher.'))?.fault ?? failed[0]!.fault;
  if (failed.length > 0 && config.routing.partialMerge === 'fail') {
    const f = failed[0]!;
    throw new ApiFault(f.fault.faultcode, `Cannot merge ${call.service}/${call.method}: the ${f.system} system failed: ${f.fault.faultstring}`);
  }
  const missing = [...session.missing, ...failed.map((f) => f.system)].filter((s, i, a) => a.indexOf(s) === i && SYSTEMS.includes(s));

  const key = listKey(ok[0]!.json) ?? `${call.service.toLowerCase()}_list`;
  const rowsBySystem = new Map<SystemName, Row[]>();
  const seen = new Map<number, SystemName[]>();
  let dropped = 0;
  for (const { system, json } of ok) {
    const rows = (Array.isArray(json[key]) ? json[key] : []) as Row[];
    const kept: Row[] = [];
    for (const row of rows) {
      if (typeof row !== 'object' || row === null) continue;
      if (isMovedAwayRow(row)) {
        dropped++;
        continue;
      }
      const id = idOf(row, idField);
      if (id !== undefined) seen.set(id, [...(seen.get(id) ?? []), system]);
      kept.push(row);
    }
    rowsBySystem.set(system, kept);
  }
  // A record listed by both systems without a marker: keep the copy from where it lives.
  const owner = new Map<number, SystemName>();
  for (const [id, where] of seen) {
    if (where.length < 2) continue;
    const loc = await args.resolver.resolve(idField === 'i_customer' ? { kind: 'customer', iCustomer: id } : { kind: 'account', iAccount: id });
    owner.set(id, loc?.system ?? where[0]!);
    dropped += where.length - 1;
  }
  let merged: Row[] = [];
  for (const { system } of ok) {
    for (const row of rowsBySystem.get(system) ?? []) {
      const id = idOf(row, idField);
      if (id !== undefined && owner.has(id) && owner.get(id) !== system) continue;
      merged.push(row);
    }
  }
  if (args.paging === 'exact') {
    merged.sort((a, b) => (idOf(a, idField) ?? 0) - (idOf(b, idField) ?? 0));
    if (limit !== undefined) merged = merged.slice(offset, offset + limit);
  }
  const result: JsonObject = { [key]: merged };
  const totals = ok.map((o) => o.json.total).filter((t): t is number => typeof t === 'number');
  if (totals.length > 0) result.total = Math.max(0, totals.reduce((a, b) => a + b, 0) - dropped);
  args.metrics.inc('webdispatcher_merges_total', 'List merges', { partial: String(missing.length > 0) });
  return jsonReply(result, `merge:${args.paging}`, ok.map((o) => o.system), missing.length > 0 ? { [MISSING_SYSTEM_HEADER]: missing.join(',') } : {});
}
