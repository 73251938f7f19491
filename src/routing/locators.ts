import type { ApiCall, JsonObject, JsonValue } from '../core/api-call.ts';
import type { Locator } from '../core/location.ts';
import { dispatcherFault } from '../core/faults.ts';
import { LOCATOR_TABLE, type FieldMeaning, type LocatorRow } from './locator-table.ts';

/** How deep into params the search goes, and how many values it looks at: bounded work per call. */
const MAX_DEPTH = 6;
const MAX_NODES = 2000;

function asId(v: JsonValue | undefined, field: string, call: ApiCall): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  if (typeof v === 'string' && /^[1-9]\d{0,15}$/.test(v)) {
    const id = Number(v);
    // 16 digits reach past 2^53: such a string would become a different id.
    if (Number.isSafeInteger(id)) return id;
  }
  throw dispatcherFault('badRequest', `Cannot route ${call.service}/${call.method}: ${field} ${JSON.stringify(v)} is not a positive integer`);
}

function asKey(v: JsonValue | undefined): string | undefined {
  if (typeof v === 'string' && v !== '' && v.length <= 256 && !v.includes('%')) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return undefined;
}

const isObject = (v: JsonValue | undefined): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The rows of the table that apply to a call, found once per service/method and cached. */
const rowsCache = new Map<string, readonly LocatorRow[]>();
function rowsFor(call: ApiCall): readonly LocatorRow[] {
  const k = `${call.service}/${call.method}`;
  let rows = rowsCache.get(k);
  if (rows === undefined) {
    rows = LOCATOR_TABLE.filter((r) => (r.service === '*' || r.service === call.service) && (r.method === '*' || r.method === call.method) && !(r.unless ?? []).includes(call.method));
    if (rowsCache.size < 10_000) rowsCache.set(k, rows);
  }
  return rows;
}

function same(a: Locator, b: Locator): boolean {
  switch (a.kind) {
    case 'customer': return b.kind === 'customer' && a.iCustomer === b.iCustomer;
    case 'account': return b.kind === 'account' && a.iAccount === b.iAccount;
    case 'key': return b.kind === 'key' && a.key === b.key && a.value === b.value;
    case 'owned': return b.kind === 'owned' && a.owned === b.owned && a.id === b.id;
  }
}

function add(out: Locator[], l: Locator): void {
  for (const x of out) if (same(x, l)) return;
  out.push(l);
}

function locatorOf(meaning: FieldMeaning, value: JsonValue, where: string, call: ApiCall): Locator | undefined {
  switch (meaning.names) {
    case 'customer': {
      const id = asId(value, where, call);
      return id === undefined ? undefined : { kind: 'customer', iCustomer: id };
    }
    case 'account': {
      const id = asId(value, where, call);
      return id === undefined ? undefined : { kind: 'account', iAccount: id };
    }
    case 'owned': {
      const id = asId(value, where, call);
      return id === undefined ? undefined : { kind: 'owned', owned: meaning.owned, id };
    }
    case 'key': {
      const v = asKey(value);
      return v === undefined ? undefined : { kind: 'key', key: meaning.key, value: v };
    }
  }
}

/** Walks params (objects and arrays, bounded) and collects what the rows' fields name. */
function collect(call: ApiCall, rows: readonly LocatorRow[], out: { ids: Locator[]; others: Locator[] }): void {
  let nodes = 0;
  const visit = (scope: JsonObject, path: string, structName: string, depth: number): void => {
    for (const field in scope) {
      if (++nodes > MAX_NODES) return;
      const value = scope[field]!;
      for (const row of rows) {
        const meaning = row.fields[field];
        if (meaning === undefined) continue;
        if (row.where !== undefined && !row.where.includes(structName)) continue;
        if (row.when !== undefined) {
          const v = call.params[row.when.field];
          if (!row.when.values.includes(typeof v === 'string' ? v : undefined)) continue;
        }
        const l = locatorOf(meaning, value, `${path}${field}`, call);
        if (l !== undefined) add(l.kind === 'customer' || l.kind === 'account' ? out.ids : out.others, l);
      }
      if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') continue;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length && nodes <= MAX_NODES; i++) {
          const item = value[i];
          if (isObject(item)) visit(item, `${path}${field}[${i}].`, field, depth + 1);
        }
      } else {
        visit(value, `${path}${field}.`, field, depth + 1);
      }
    }
  };
  visit(call.params, 'params.', '', 0);
}

/**
 * The records a call's params name (SPEC §4.2 rule 5), by the locator table: customer and account
 * ids in any struct; lookup keys and owned-record ids (an invoice, a DID…) only when no customer
 * or account id is named: the id is authoritative. Each record once.
 */
export function findLocators(call: ApiCall): Locator[] {
  const out = { ids: [] as Locator[], others: [] as Locator[] };
  collect(call, rowsFor(call), out);
  if (out.ids.length > 0) return out.ids;
  // Owned ids before keys: an id names one record, a key may be ambiguous.
  out.others.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'owned' ? -1 : 1));
  return out.others;
}

/** The i_env a call names (params first, then auth_info), if any. */
export function findEnv(call: ApiCall): number | undefined {
  for (const v of [call.params.i_env, call.authInfo.i_env]) {
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && /^\d{1,9}$/.test(v)) return Number(v);
  }
  return undefined;
}
