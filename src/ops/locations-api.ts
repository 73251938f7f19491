import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasOpsToken } from './ops-token.ts';
import type { LocationDirectory, DirectoryRecord } from '../directory/location-directory.ts';
import type { LocationResolver, Locator } from '../core/location.ts';
import { dispatcherFault, isApiFault } from '../core/faults.ts';
import { readBody } from '../edge/body-limit.ts';
import { importFormatOf, parseImport } from '../directory/import-parser.ts';
import { invalidRecordReason } from '../directory/directory-record.ts';

export interface LocationsApiOptions {
  directory: LocationDirectory;
  resolver: LocationResolver;
  /** Bearer token the operator must present (compared in constant time). */
  token: string;
  /** Largest PUT body in bytes (default 1 MiB); imports are streamed and not limited. */
  bodyLimit?: number;
}

const ROUTE = /^\/v1\/locations\/(customers|accounts)\/([^/]+)\/?$/;
const PUT_FIELDS = new Set(['system', 'accounts', 'login', 'name', 'refnum']);

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}


function parseId(text: string, name: string): number {
  const v = /^[0-9]{1,15}$/.test(text) ? Number(text) : 0;
  if (v <= 0) throw dispatcherFault('badRequest', `${name} ${JSON.stringify(decodeURIComponent(text))} is not a positive integer`, { httpStatus: 400 });
  return v;
}

/** Reads and checks a PUT body completely before anything is written. */
function putRecord(iCustomer: number, body: Buffer): DirectoryRecord {
  let v: unknown;
  try { v = JSON.parse(body.toString('utf8')); } catch (err) {
    throw dispatcherFault('badRequest', `The body is not valid JSON: ${(err as Error).message}`, { httpStatus: 400 });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw dispatcherFault('badRequest', 'The body must be a JSON object like {"system":"target"}', { httpStatus: 400 });
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!PUT_FIELDS.has(k)) throw dispatcherFault('badRequest', `Unknown field ${JSON.stringify(k)} (known: ${[...PUT_FIELDS].join(', ')})`, { httpStatus: 400 });
  const record = { iCustomer, system: o.system } as DirectoryRecord;
  for (const f of ['login', 'name', 'refnum'] as const) if (o[f] !== undefined) (record as unknown as Record<string, unknown>)[f] = o[f];
  if (o.accounts !== undefined) {
    if (!Array.isArray(o.accounts)) throw dispatcherFault('badRequest', `accounts must be a list of i_account, got ${JSON.stringify(o.accounts)}`, { httpStatus: 400 });
    const accounts: number[] = [];
    const keys: NonNullable<DirectoryRecord['accountKeys']> = [];
    for (const a of o.accounts as unknown[]) {
      if (typeof a === 'object' && a !== null) {
        const ao = a as Record<string, unknown>;
        const key = { iAccount: ao.i_account } as { iAccount: number; id?: string; login?: string };
        if (ao.id !== undefined) key.id = ao.id as string;
        if (ao.login !== undefined) key.login = ao.login as string;
        keys.push(key);
      } else accounts.push(a as number);
    }
    if (accounts.length > 0) record.accounts = accounts;
    if (keys.length > 0) record.accountKeys = keys;
  }
  const why = invalidRecordReason(record);
  if (why !== undefined) throw dispatcherFault('badRequest', `Cannot set the location of customer ${iCustomer}: ${why}`, { httpStatus: 400 });
  return record;
}

/**
 * The operator's locations API on the ops listener (SPEC §4.3): read a customer's or account's
 * location and how it was resolved, set one customer's location, bulk-import CSV/NDJSON (streamed).
 * Returns a handler that answers `/v1/locations/...` and returns false for any other path.
 */
export function createLocationsApi(options: LocationsApiOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { directory, resolver } = options;
  const bodyLimit = options.bodyLimit ?? 1 << 20;

  const authorised = (req: IncomingMessage): boolean => hasOpsToken(req, options.token);

  async function describe(locator: Locator, kind: 'customers' | 'accounts', id: number): Promise<unknown> {
    const loc = await resolver.resolve(locator);
    const idField = kind === 'customers' ? { i_customer: id } : { i_account: id, ...(loc?.iCustomer === undefined ? {} : { i_customer: loc.iCustomer }) };
    if (loc === undefined) throw dispatcherFault('notFound', `${kind === 'customers' ? 'Customer' : 'Account'} ${id} was found on neither system`, { httpStatus: 404 });
    const out: Record<string, unknown> = { ...idField, system: loc.system, state: loc.state, resolvedBy: loc.resolvedBy };
    if (loc.resolvedBy === 'directory' && loc.iCustomer !== undefined) {
      const entry = await directory.getCustomer(loc.iCustomer);
      if (entry !== undefined) { out.version = entry.version; out.updatedAt = entry.updatedAt; }
    }
    return out;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (!authorised(req)) {
      req.resume();
      send(res, 401, dispatcherFault('forbidden', 'Missing or wrong bearer token for the operator API').toJSON());
      return;
    }
    if (path === '/v1/locations/import' || path === '/v1/locations/import/') {
      if (req.method !== 'POST') throw dispatcherFault('methodNotAllowed', `Use POST for ${path}, not ${req.method}`, { httpStatus: 405 });
      const format = importFormatOf(req.headers['content-type']);
      if (format === undefined) {
        req.resume();
        throw dispatcherFault('unsupportedMediaType', `Import bodies must be text/csv or application/x-ndjson, got ${JSON.stringify(req.headers['content-type'] ?? '')}`, { httpStatus: 415 });
      }
      const report = await directory.importRecords(parseImport(req, format));
      send(res, 200, report);
      return;
    }
    const m = ROUTE.exec(path);
    if (m === null) throw dispatcherFault('notFound', `No operator endpoint ${req.method} ${path}`, { httpStatus: 404 });
    const kind = m[1] as 'customers' | 'accounts';
    const id = parseId(m[2]!, kind === 'customers' ? 'i_customer' : 'i_account');
    if (req.method === 'GET') {
      send(res, 200, await describe(kind === 'customers' ? { kind: 'customer', iCustomer: id } : { kind: 'account', iAccount: id }, kind, id));
      return;
    }
    if (req.method === 'PUT' && kind === 'customers') {
      const record = putRecord(id, await readBody(req, bodyLimit));
      const loc = await directory.putCustomer(record);
      send(res, 200, { i_customer: id, system: loc.system, state: loc.state, version: loc.version, updatedAt: loc.updatedAt });
      return;
    }
    req.resume();
    throw dispatcherFault('methodNotAllowed', `${req.method} is not allowed on ${path} (use ${kind === 'customers' ? 'GET or PUT' : 'GET'})`, { httpStatus: 405 });
  }

  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://ops').pathname;
    if (path !== '/v1/locations' && !path.startsWith('/v1/locations/')) return false;
    try {
      await handle(req, res, path);
    } catch (err) {
      req.resume();
      const fault = isApiFault(err) ? err : dispatcherFault('internal', `Operator API failure: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      if (!res.headersSent) send(res, fault.httpStatus, fault.toJSON());
      else res.destroy();
    }
    return true;
  };
}
