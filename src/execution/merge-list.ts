import type { ApiCall, JsonObject, JsonValue, SystemName } from '../core/api-call.ts';
import type { DispatcherConfig, PagingMode } from '../config/config.ts';
import type { DispatcherSession } from '../sessions/session.ts';
import type { LocationResolver } from '../core/location.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import { SYSTEMS } from '../core/api-call.ts';
import { ApiFault, dispatcherFault } from '../core/faults.ts';
import { isBodyPieces, MISSING_SYSTEM_HEADER, type Reply } from '../core/reply.ts';
import { mergeRowOrder, mergeRowPieces, parsedSystemList, readSystemList, type MergeOrderOptions, type SystemList } from './merge-rows.ts';
import { envelopePayload, type BackendPayload, type RawRequestBody } from './raw-request-body.ts';
import type { EnvelopeList, ForwardedEnvelope } from '../core/forwarded-envelope.ts';
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

/** One system's list reply: read as JSON, or (a forwarded envelope) its bytes and their cut. */
interface Listed {
  system: SystemName;
  list?: SystemList;
  bytes?: Buffer;
  framed?: EnvelopeList | undefined;
}

/** The fault a system's failed list reply stands for. */
function replyFault(system: SystemName, status: number, text: string, envelope: ForwardedEnvelope | undefined): ApiFault {
  let f: { faultcode?: string | undefined; faultstring?: string | undefined } | undefined;
  if (envelope !== undefined) f = envelope.faultOf(text);
  else {
    try {
      f = JSON.parse(text) as { faultcode?: string; faultstring?: string };
    } catch {
      f = undefined;
    }
  }
  if (f === undefined || f === null || typeof f !== 'object') return dispatcherFault('backendUnavailable', `The ${system} system answered HTTP ${status}`);
  return new ApiFault(f.faultcode ?? 'Server.unknown', `${system} system: ${f.faultstring ?? `HTTP ${status}`}`);
}

/**
 * Lists in the client's format merged as the JSON ones are, rows kept as each system wrote
 * them, in the frame of the first system that listed any row (its list's item type is the one
 * to state).
 */
async function framedMerge(lists: ReadonlyArray<{ system: SystemName; list: EnvelopeList }>, envelope: ForwardedEnvelope, order: MergeOrderOptions): Promise<Buffer[]> {
  const merged = await mergeRowOrder(lists.map(({ system, list }) => {
    const rows = list.rows.filter((r) => !r.moved);
    return { system, rows, moved: list.rows.length - rows.length, total: list.total };
  }), order);
  const frame = (lists.find((l) => l.list.rows.length > 0) ?? lists[0]!).list;
  return envelope.writeList(frame, merged.rows, merged.total);
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
  // Params the merge sets, for the JSON body and for a client's envelope alike.
  const edits: Record<string, number> = {};
  // A customer moved away stays listed (marked) on the system it left; PortaBilling's
  // skip_exported leaves such records out of the rows and of `total`, so totals add up exactly
  // and a moved customer comes once, from where it lives. (The marker check below stays as a
  // safety net for systems that ignore the flag.)
  if (call.service === 'Customer' && params.skip_exported === undefined) edits.skip_exported = 1;
  if (args.paging === 'exact' && limit !== undefined) {
    // Exact paging reads offset+limit rows from every system: bound what one call may buffer.
    if (offset + limit > EXACT_PAGING_MAX_ROWS) {
      throw dispatcherFault('badRequest', `Exact paging serves offset + limit up to ${EXACT_PAGING_MAX_ROWS} rows, got offset ${offset} + limit ${limit}; narrow the filter or use per-system paging`);
    }
    edits.offset = 0;
    edits.limit = offset + limit;
  }
  Object.assign(params, edits);
  // SOAP goes out as SOAP, so that the merged rows are the bytes each system wrote.
  const envelope = args.raw.envelope === undefined ? undefined : Object.keys(edits).length === 0 ? args.raw.envelope : args.raw.envelope.withParams(edits);
  const payload: BackendPayload = envelope === undefined ? { body: JSON.stringify({ params }) } : envelopePayload(envelope);

  const settled = await Promise.allSettled(systems.map(async (system): Promise<Listed> => {
    const reply = await args.callSystem({ call, session, system, payload, plan: 'merge' });
    const raw = await readBody(reply.body);
    if (reply.status !== 200) throw replyFault(system, reply.status, typeof raw === 'string' ? raw : raw.toString('utf8'), envelope);
    if (envelope === undefined) return { system, list: readSystemList(system, raw, idField) };
    const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    return { system, bytes, framed: envelope.readList(bytes, idField) };
  }));

  const ok: Listed[] = [];
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

  const order: MergeOrderOptions = {
    paging: args.paging, limit, offset,
    async ownerOf(id, where) {
      const loc = await args.resolver.resolve(idField === 'i_customer' ? { kind: 'customer', iCustomer: id } : { kind: 'account', iAccount: id });
      return loc?.system ?? where[0]!;
    },
  };
  const headers: Record<string, string> = {};
  let out: Buffer[];
  if (envelope !== undefined && ok.every((o) => o.framed !== undefined)) {
    out = await framedMerge(ok.map((o) => ({ system: o.system, list: o.framed! })), envelope, order);
    headers['content-type'] = envelope.contentType;
  } else {
    // JSON lists, or SOAP lists in a shape the envelope cannot cut: merged as JSON and encoded by the front.
    const lists = ok.map((o) => o.list ?? parsedSystemList(o.system, JSON.stringify(envelope!.resultOf(o.bytes!.toString('utf8')) ?? null)));
    out = await mergeRowPieces(lists, { ...order, idField, defaultKey: `${call.service.toLowerCase()}_list` });
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  args.metrics.inc('webdispatcher_merges_total', 'List merges', { partial: String(missing.length > 0) });
  if (missing.length > 0) headers[MISSING_SYSTEM_HEADER] = missing.join(',');
  return { status: 200, headers, body: out, plan: `merge:${args.paging}`, systems: ok.map((o) => o.system) };
}
