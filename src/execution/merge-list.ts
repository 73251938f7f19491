import type { ApiCall, JsonObject, JsonValue, SystemName } from '../core/api-call.ts';
import type { DispatcherConfig, PagingMode } from '../config/config.ts';
import type { DispatcherSession } from '../sessions/session.ts';
import type { LocationResolver } from '../core/location.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import { SYSTEMS } from '../core/api-call.ts';
import { ApiFault, dispatcherFault } from '../core/faults.ts';
import { isBodyPieces, MISSING_SYSTEM_HEADER, type Reply } from '../core/reply.ts';
import { mergeRowPieces, readSystemList, type SystemList } from './merge-rows.ts';
import type { RawRequestBody } from './raw-request-body.ts';
import type { SystemCaller } from './system-call.ts';

export interface MergeArgs {
  config: DispatcherConfig;
  callSystem: SystemCaller;
  resolver: LocationResolver;
  logger: Logger;
  metrics: Metrics;
  call: ApiCall;
  raw: RawRequestBody;
  session: DispatcherSession;
  systems: SystemName[];
  paging: PagingMode;
}

/** The deepest page `exact` paging serves (each system then returns up to this many rows). */
export const EXACT_PAGING_MAX_ROWS = 10_000;

/** A backend reply's body, whole: its bytes, or the text it already is. */
async function readBody(body: Reply['body']): Promise<string | Buffer> {
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  if (isBodyPieces(body)) return Buffer.concat(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
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
  // A system the session never got (down or refusing at login) is as missing as one failing now:
  // under `fail` a merged list without it would carry a wrong total with HTTP 200.
  const absent = session.missing.filter((s) => session.backends[s] === undefined);
  if (absent.length > 0 && config.routing.partialMerge === 'fail') {
    throw dispatcherFault('backendUnavailable', `Cannot merge ${call.service}/${call.method}: this session has no ${absent.join(' and ')} system (it was unavailable when the session logged in); log in again, or set routing.partialMerge: partial to accept a partial list`);
  }
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

  const settled = await Promise.allSettled(systems.map(async (system): Promise<SystemList> => {
    const reply = await args.callSystem({ call, session, system, payload: { body }, plan: 'merge' });
    const raw = await readBody(reply.body);
    if (reply.status !== 200) {
      const text = typeof raw === 'string' ? raw : raw.toString('utf8');
      let fault: ApiFault;
      try {
        const j = JSON.parse(text) as { faultcode?: string; faultstring?: string };
        fault = new ApiFault(j.faultcode ?? 'Server.unknown', `${system} system: ${j.faultstring ?? `HTTP ${reply.status}`}`);
      } catch {
        fault = dispatcherFault('backendUnavailable', `The ${system} system answered HTTP ${reply.status}`);
      }
      throw fault;
    }
    return readSystemList(system, raw, idField);
  }));

  const ok: SystemList[] = [];
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

  const out = await mergeRowPieces(ok, {
    idField, defaultKey: `${call.service.toLowerCase()}_list`, paging: args.paging, limit, offset,
    async ownerOf(id, where) {
      const loc = await args.resolver.resolve(idField === 'i_customer' ? { kind: 'customer', iCustomer: id } : { kind: 'account', iAccount: id });
      return loc?.system ?? where[0]!;
    },
  });
  args.metrics.inc('webdispatcher_merges_total', 'List merges', { partial: String(missing.length > 0) });
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (missing.length > 0) headers[MISSING_SYSTEM_HEADER] = missing.join(',');
  return { status: 200, headers, body: out, plan: `merge:${args.paging}`, systems: ok.map((o) => o.system) };
}
