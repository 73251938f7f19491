import type { DirectoryRecord, ImportRow } from './location-directory.ts';
import type { OwnedRecord } from './owned-record.ts';
import { isOwnedKind, OWNED_KIND_NAMES } from './owned-record.ts';
import { dispatcherFault } from '../core/faults.ts';
import { ROW_CHUNKS } from './import-batches.ts';
import type { ChunkedImportRows } from './import-batches.ts';

export type ImportFormat = 'ndjson' | 'csv';

/**
 * CSV columns (header row required, any order, names case-insensitive):
 * - `i_customer` (required), `system` (required: `source` | `target`)
 * - `login`, `name`, `refnum`: customer lookup keys (empty = none)
 * - `accounts`: `;`-separated i_account list, e.g. `101;103`
 * - `account_ids`, `account_logins`: `;`-separated `i_account=value` pairs, e.g. `101=15550001`
 * Fields may be double-quoted (RFC 4180, `""` for a quote); a quoted field cannot span lines.
 */
export const CSV_COLUMNS = ['i_customer', 'system', 'login', 'name', 'refnum', 'accounts', 'account_ids', 'account_logins'] as const;

/**
 * A CSV whose header has an `owned` column is a file of owned records (invoices, xDRs, DIDs… →
 * their owner): `owned` (the kind: invoice, xdr, did, ua, subscription, alias), `id` (the record's
 * own id), `i_customer` (required) and `i_account` (optional, empty = none).
 */
export const OWNED_CSV_COLUMNS = ['owned', 'id', 'i_customer', 'i_account'] as const;

/**
 * NDJSON: one object per line, `{"i_customer":1,"system":"target","login":"…","name":"…",
 * "refnum":"…","accounts":[101,{"i_account":103,"id":"…","login":"…"}]}`.
 */
const JSON_FIELDS = new Set(['i_customer', 'system', 'login', 'name', 'refnum', 'accounts']);

/** NDJSON owned-record row: `{"owned":"invoice","id":5,"i_customer":3,"i_account":31}` (i_account optional). */
const OWNED_JSON_FIELDS = new Set<string>(OWNED_CSV_COLUMNS);

/** The longest line accepted; a longer one fails the whole import (it cannot be a directory row). */
export const MAX_LINE_BYTES = 1 << 20;

/** The import format for a Content-Type, or undefined when it is neither CSV nor NDJSON. */
export function importFormatOf(contentType: string | undefined): ImportFormat | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/json-lines'].includes(type)) return 'ndjson';
  return undefined;
}

/** Splits one CSV line; returns an error string for an unterminated quote. */
export function splitCsvLine(text: string): string[] | string {
  if (!text.includes('"')) return text.split(',');
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) return 'unterminated quoted field';
        value += text.slice(i, q);
        if (text[q + 1] === '"') { value += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
      if (i < text.length && text[i] !== ',') return `unexpected character after a quoted field at column ${i + 1}`;
      out.push(value);
    } else {
      const c = text.indexOf(',', i);
      out.push(text.slice(i, c === -1 ? text.length : c));
      i = c === -1 ? text.length : c;
    }
    if (i >= text.length) return out;
    i++; // the comma
    if (i === text.length) { out.push(''); return out; }
  }
}

/** 1 to 15 decimal digits (so always a safe integer), > 0; a character loop, not a RegExp: it runs per id. */
function parseId(text: string, what: string): number | string {
  const n = text.length;
  let v = 0;
  if (n === 0 || n > 15) return `${what} ${JSON.stringify(text)} is not a positive integer`;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return `${what} ${JSON.stringify(text)} is not a positive integer`;
    v = v * 10 + d;
  }
  return v > 0 ? v : `${what} ${JSON.stringify(text)} is not a positive integer`;
}

function parsePairs(text: string, column: string): Array<[number, string]> | string {
  const out: Array<[number, string]> = [];
  for (const part of text.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) return `${column} entry ${JSON.stringify(part)} is not i_account=value`;
    const id = parseId(part.slice(0, eq), `${column} i_account`);
    if (typeof id === 'string') return id;
    out.push([id, part.slice(eq + 1)]);
  }
  return out;
}

function csvHeader(text: string): string[] {
  const cols = splitCsvLine(text.replace(/^\uFEFF/, ''));
  if (typeof cols === 'string') throw dispatcherFault('badRequest', `CSV header: ${cols}`, { httpStatus: 400 });
  const names = cols.map((c) => c.trim().toLowerCase());
  const owned = names.includes('owned');
  const known: readonly string[] = owned ? OWNED_CSV_COLUMNS : CSV_COLUMNS;
  for (const c of names) {
    if (!known.includes(c)) throw dispatcherFault('badRequest', `CSV header: unknown column ${JSON.stringify(c)} (known${owned ? ' in an owned-records file' : ''}: ${known.join(', ')})`, { httpStatus: 400 });
  }
  for (const need of owned ? ['owned', 'id', 'i_customer'] : ['i_customer', 'system']) {
    if (!names.includes(need)) throw dispatcherFault('badRequest', `CSV header: required column "${need}" is missing (header: ${JSON.stringify(text)})`, { httpStatus: 400 });
  }
  if (new Set(names).size !== names.length) throw dispatcherFault('badRequest', `CSV header: a column is repeated (header: ${JSON.stringify(text)})`, { httpStatus: 400 });
  return names;
}

function csvRecord(cols: string[], fields: string[]): DirectoryRecord | string {
  if (fields.length !== cols.length) return `expected ${cols.length} fields, found ${fields.length}`;
  const record = { iCustomer: 0, system: 'source' } as DirectoryRecord;
  let keys: Map<number, { iAccount: number; id?: string; login?: string }> | undefined;
  for (let i = 0; i < cols.length; i++) {
    const v = fields[i]!;
    switch (cols[i]) {
      case 'i_customer': {
        const id = parseId(v, 'i_customer');
        if (typeof id === 'string') return id;
        record.iCustomer = id;
        break;
      }
      case 'system':
        if (v !== 'source' && v !== 'target') return `system ${JSON.stringify(v)} is not "source" or "target"`;
        record.system = v;
        break;
      case 'login': if (v !== '') record.login = v; break;
      case 'name': if (v !== '') record.name = v; break;
      case 'refnum': if (v !== '') record.refnum = v; break;
      case 'accounts': {
        if (v === '') break;
        const accounts: number[] = [];
        let from = 0;
        while (from <= v.length) {
          let to = v.indexOf(';', from);
          if (to === -1) to = v.length;
          if (to > from) {
            const id = parseId(v.slice(from, to), 'account');
            if (typeof id === 'string') return id;
            accounts.push(id);
          }
          from = to + 1;
        }
        record.accounts = accounts;
        break;
      }
      default: {
        const pairs = parsePairs(v, cols[i]!);
        if (typeof pairs === 'string') return pairs;
        keys ??= new Map();
        for (const [iAccount, value] of pairs) {
          const k = keys.get(iAccount) ?? { iAccount };
          if (cols[i] === 'account_ids') k.id = value; else k.login = value;
          keys.set(iAccount, k);
        }
      }
    }
  }
  if (keys !== undefined && keys.size > 0) record.accountKeys = [...keys.values()];
  return record;
}

function csvOwned(cols: string[], fields: string[]): OwnedRecord | string {
  if (fields.length !== cols.length) return `expected ${cols.length} fields, found ${fields.length}`;
  let kind = '';
  let id = 0;
  let iCustomer = 0;
  let iAccount: number | undefined;
  for (let i = 0; i < cols.length; i++) {
    const v = fields[i]!;
    switch (cols[i]) {
      case 'owned': kind = v; break;
      case 'id': { const n = parseId(v, 'id'); if (typeof n === 'string') return n; id = n; break; }
      case 'i_customer': { const n = parseId(v, 'i_customer'); if (typeof n === 'string') return n; iCustomer = n; break; }
      default: { if (v === '') break; const n = parseId(v, 'i_account'); if (typeof n === 'string') return n; iAccount = n; }
    }
  }
  if (!isOwnedKind(kind)) return `owned kind ${JSON.stringify(kind)} is not one of ${OWNED_KIND_NAMES.join(', ')}`;
  return { kind, id, owner: iAccount === undefined ? { iCustomer } : { iCustomer, iAccount } };
}

/** An NDJSON owned-record row; its values are checked by the directory's import (`invalidOwnedReason`). */
function jsonOwned(o: Record<string, unknown>): OwnedRecord | string {
  for (const k of Object.keys(o)) if (!OWNED_JSON_FIELDS.has(k)) return `unknown field ${JSON.stringify(k)} in an owned record (known: ${[...OWNED_JSON_FIELDS].join(', ')})`;
  const owner = { iCustomer: o.i_customer } as OwnedRecord['owner'];
  if (o.i_account !== undefined && o.i_account !== null) owner.iAccount = o.i_account as number;
  return { kind: o.owned, id: o.id, owner } as OwnedRecord;
}

function jsonRow(text: string): { record: DirectoryRecord } | { owned: OwnedRecord } | string {
  let v: unknown;
  try { v = JSON.parse(text); } catch (err) { return `not valid JSON (${(err as Error).message})`; }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (Object.hasOwn(o, 'owned')) { const r = jsonOwned(o); return typeof r === 'string' ? r : { owned: r }; }
  const r = jsonRecord(o);
  return typeof r === 'string' ? r : { record: r };
}

function jsonRecord(o: Record<string, unknown>): DirectoryRecord | string {
  for (const k of Object.keys(o)) if (!JSON_FIELDS.has(k)) return `unknown field ${JSON.stringify(k)} (known: ${[...JSON_FIELDS].join(', ')})`;
  const record = { iCustomer: o.i_customer, system: o.system } as DirectoryRecord;
  for (const f of ['login', 'name', 'refnum'] as const) if (o[f] !== undefined && o[f] !== null) (record as unknown as Record<string, unknown>)[f] = o[f];
  if (o.accounts !== undefined && o.accounts !== null) {
    if (!Array.isArray(o.accounts)) return 'accounts is not a list';
    const accounts: number[] = [];
    const keys: NonNullable<DirectoryRecord['accountKeys']> = [];
    for (const a of o.accounts as unknown[]) {
      if (typeof a === 'object' && a !== null) {
        const ao = a as Record<string, unknown>;
        for (const k of Object.keys(ao)) if (!['i_account', 'id', 'login'].includes(k)) return `unknown account field ${JSON.stringify(k)}`;
        const key = { iAccount: ao.i_account } as { iAccount: number; id?: string; login?: string };
        if (ao.id !== undefined) key.id = ao.id as string;
        if (ao.login !== undefined) key.login = ao.login as string;
        if (key.id === undefined && key.login === undefined) accounts.push(key.iAccount); else keys.push(key);
      } else accounts.push(a as number);
    }
    if (accounts.length > 0) record.accounts = accounts;
    if (keys.length > 0) record.accountKeys = keys;
  }
  return record;
}

/**
 * Turns text into numbered import rows, one input chunk at a time and synchronously: lines are
 * cut and parsed in one pass per chunk, so a million-row import costs one asynchronous step per
 * chunk, not several per row. Tolerates `\r\n` and UTF-8 split across chunks.
 */
class ImportReader {
  readonly #format: ImportFormat;
  readonly #decoder = new TextDecoder('utf-8');
  #cols: string[] | undefined;
  #ownedFile = false;
  #rest = '';
  #line = 0;

  constructor(format: ImportFormat) {
    this.#format = format;
  }

  /** The rows completed by this chunk. */
  push(chunk: Buffer | Uint8Array | string): ImportRow[] {
    const text = this.#rest + (typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true }));
    const out: ImportRow[] = [];
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.#row(text.slice(start, end), out);
      start = nl + 1;
    }
    this.#rest = start === 0 ? text : text.slice(start);
    if (this.#rest.length > MAX_LINE_BYTES) throw dispatcherFault('badRequest', `Import line ${this.#line + 1} is longer than ${MAX_LINE_BYTES} bytes`, { httpStatus: 400 });
    return out;
  }

  /** The last row, when the input does not end with a newline. */
  end(): ImportRow[] {
    const rest = this.#rest + this.#decoder.decode();
    this.#rest = '';
    const out: ImportRow[] = [];
    if (rest.length > 0) this.#row(rest.endsWith('\r') ? rest.slice(0, -1) : rest, out);
    return out;
  }

  #row(text: string, out: ImportRow[]): void {
    const line = ++this.#line;
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
    if (this.#format === 'ndjson') {
      const r = jsonRow(text);
      out.push(typeof r === 'string' ? { line, error: r } : { line, ...r });
      return;
    }
    if (this.#cols === undefined) { this.#cols = csvHeader(text); this.#ownedFile = this.#cols.includes('owned'); return; }
    const fields = splitCsvLine(text);
    if (this.#ownedFile) {
      const r = typeof fields === 'string' ? fields : csvOwned(this.#cols, fields);
      out.push(typeof r === 'string' ? { line, error: r } : { line, owned: r });
      return;
    }
    const r = typeof fields === 'string' ? fields : csvRecord(this.#cols, fields);
    out.push(typeof r === 'string' ? { line, error: r } : { line, record: r });
  }
}

/**
 * Turns a CSV or NDJSON stream into numbered import rows; a row that cannot be read becomes an
 * error row (reported by line, never applied). A bad CSV header rejects the whole import (400)
 * before any row is produced. Values are fully checked later by the directory's import. The
 * result also offers its rows an input chunk at a time (`ROW_CHUNKS`, used by `importInBatches`).
 */
export function parseImport(input: AsyncIterable<Buffer | Uint8Array | string>, format: ImportFormat): ChunkedImportRows {
  async function* chunks(): AsyncIterable<ImportRow[]> {
    const reader = new ImportReader(format);
    for await (const chunk of input) {
      const rows = reader.push(chunk);
      if (rows.length > 0) yield rows;
    }
    const last = reader.end();
    if (last.length > 0) yield last;
  }
  return {
    async* [Symbol.asyncIterator]() {
      for await (const rows of chunks()) yield* rows;
    },
    [ROW_CHUNKS]: chunks,
  };
}
