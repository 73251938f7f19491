import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasOpsToken } from './ops-token.ts';
import type { LocationDirectory, DirectoryRecord } from '../directory/location-directory.ts';
import type { LocationResolver, Locator } from '../core/location.ts';
import { dispatcherFault, isApiFault } from '../core/faults.ts';
import { readBody } from '../edge/body-limit.ts';
import { importFormatOf, parseImport } from '../directory/import-parser.ts';
import { invalidRecordReason } from '../directory/directory-record.ts';
import { OWNED_KIND_NAMES, invalidOwnedReason, isOwnedKind } from '../directory/owned-record.ts';
import type { OwnedRecord } from '../directory/owned-record.ts';
import type { OwnedKind } from '../core/owned-kinds.ts';

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
const OWNED_ROUTE = /^\/v1\/locations\/owned\/([^/]+)\/([^/]+)\/?$/;
const OWNED_PUT_FIELDS = new Set(['i_customer', 'i_account']);

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

function parseKind(text: string): OwnedKind {
  const kind = decodeURIComponent(text);
  if (!isOwnedKind(kind)) throw dispatcherFault('badRequest', `Owned record kind ${JSON.stringify(kind)} is not one of ${OWNED_KIND_NAMES.join(', ')}`, { httpStatus: 400 });
  return kind;
}

/** Reads and checks an owned record's PUT body (`{"i_customer":N,"i_account"?:M}`) before anything is written. */
function putOwner(kind: OwnedKind, id: number, body: Buffer): OwnedRecord {
  let v: unknown;
  try { v = JSON.parse(body.toString('utf8')); } catch (err) {
    throw dispatcherFault('badRequest', `The body is not valid JSON: ${(err as Error).message}`, { httpStatus: 400 });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw dispatcherFault('badRequest', 'The body must be a JSON object like {"i_customer":3}', { httpStatus: 400 });
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!OWNED_PUT_FIELDS.has(k)) throw dispatcherFault('badRequest', `Unknown field ${JSON.stringify(k)} (known: ${[...OWNED_PUT_FIELDS].join(', ')})`, { httpStatus: 400 });
  const owner = { iCustomer: o.i_customer } as OwnedRecord['owner'];
  if (o.i_account !== undefined && o.i_account !== null) owner.iAccount = o.i_account as number;
  const record = { kind, id, owner };
  const why = invalidOwnedReason(record);
  if (why !== undefined) throw dispatcherFault('badRequest', `Cannot set the owner of ${kind} ${id}: ${why}`, { httpStatus: 400 });
  return record;
}

/**
 * The operator's locations API on the ops listener (SPEC §4.3): read a customer's or account's
 * location and how it was resolved, set one customer's location, read or set the owner of an owned
 * record (`/v1/locations/owned/{kind}/{id}`), bulk-import CSV/NDJSON (streamed).
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

  /** An owned record's owner and where that owner lives; 404 when the directory does not know it. */
  async function describeOwned(kind: OwnedKind, id: number): Promise<unknown> {
    const owner = await directory.getOwner(kind, id);
    const loc = owner === undefined ? undefined : await resolver.resolve({ kind: 'owned', owned: kind, id });
    if (owner === undefined || loc === undefined) throw dispatcherFault('notFound', `The directory does not know the owner of ${kind} ${id} (PUT it, import it, or let a call discover it)`, { httpStatus: 404 });
    return { owned: kind, id, i_customer: owner.iCustomer, ...(owner.iAccount === undefined ? {} : { i_account: owner.iAccount }), system: loc.system, state: loc.state, resolvedBy: loc.resolvedBy };
  }

  async function handleOwned(req: IncomingMessage, res: ServerResponse, path: string, m: RegExpExecArray): Promise<void> {
    const kind = parseKind(m[1]!);
    const id = parseId(m[2]!, `${kind} id`);
    if (req.method === 'GET') { send(res, 200, await describeOwned(kind, id)); return; }
    if (req.method === 'PUT') {
      const record = putOwner(kind, id, await readBody(req, bodyLimit));
      await directory.putOwned(kind, id, record.owner);
      send(res, 200, await describeOwned(kind, id));
      return;
    }
    req.resume();
    throw dispatcherFault('methodNotAllowed', `${req.method} is not allowed on ${path} (use GET or PUT)`, { httpStatus: 405 });
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
    const owned = OWNED_ROUTE.exec(path);
    if (owned !== null) { await handleOwned(req, res, path, owned); return; }
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
