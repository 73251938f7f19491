import type { JsonObject, JsonValue, SystemName } from '../core/api-call.ts';
import type { PagingMode } from '../config/config.ts';
import { scanListReply, scannedNumber, type ScannedReply } from './merge-scan.ts';
import { splicePieces, type SplicedRow } from './merge-splice.ts';

type Row = { [key: string]: JsonValue };

/** Marks a record that the simulator (and a migration tool) left behind on the system it moved away from. */
export function isMovedAwayRow(row: Row): boolean {
  return row.migration_status === 'moved';
}

/**
 * One system's list reply. Scanned: rows are byte ranges of the reply, spliced into the merged
 * reply as they are. Parsed: rows are objects, written back with JSON.stringify.
 */
export type SystemList = { system: SystemName; scanned: ScannedReply; json?: undefined } | { system: SystemName; json: JsonObject; scanned?: undefined };

/**
 * A 200 reply of one system as a list: scanned when the scanner vouches for the bytes, else
 * parsed (a text body, or bytes it is unsure of), failing as JSON.parse fails.
 */
export function readSystemList(system: SystemName, body: string | Buffer, idField: string): SystemList {
  const scanned = typeof body === 'string' ? undefined : scanListReply(body, idField);
  if (scanned !== undefined) return { system, scanned };
  return parsedSystemList(system, typeof body === 'string' ? body : body.toString('utf8'));
}

/** A reply read with JSON.parse only (what readSystemList falls back to). */
export function parsedSystemList(system: SystemName, text: string): SystemList {
  return { system, json: JSON.parse(text) as JsonObject };
}

/** A row of the merge: its id, and its bytes (scanned) or value (parsed) for the reply. */
type MergeRow = SplicedRow & { id: number | undefined };

function listKey(result: JsonObject): string | undefined {
  return Object.keys(result).find((k) => k.endsWith('_list') && Array.isArray(result[k]));
}

function listKeyOf(list: SystemList): string | undefined {
  if (list.scanned === undefined) return listKey(list.json);
  // Map order is JSON.parse's Object.keys order for keys that are not array indexes (no `_list` key is).
  for (const [k, m] of list.scanned.members) if (k.endsWith('_list') && m.kind === 'array') return k;
  return undefined;
}

function idOf(row: Row, idField: string): number | undefined {
  const v = row[idField];
  return typeof v === 'number' ? v : undefined;
}

/** The list's rows (objects and arrays; other elements are no rows) and how many were moved-away copies. */
function rowsOf(list: SystemList, key: string, idField: string): { rows: MergeRow[]; moved: number } {
  let moved = 0;
  if (list.scanned !== undefined) {
    const scanned = list.scanned.members.get(key)?.rows ?? [];
    for (const r of scanned) if (r.moved) moved++;
    return { rows: moved === 0 ? scanned : scanned.filter((r) => !r.moved), moved };
  }
  const rows: MergeRow[] = [];
  const value = list.json[key];
  for (const row of (Array.isArray(value) ? value : []) as Row[]) {
    if (typeof row !== 'object' || row === null) continue;
    if (isMovedAwayRow(row)) moved++;
    else rows.push({ id: idOf(row, idField), value: row });
  }
  return { rows, moved };
}

function totalOf(list: SystemList): number | undefined {
  if (list.scanned === undefined) return typeof list.json.total === 'number' ? list.json.total : undefined;
  const m = list.scanned.members.get('total');
  return m?.kind === 'number' ? scannedNumber(list.scanned, m) : undefined;
}

/** How rows of several systems become one list (whatever format the rows are in). */
export interface MergeOrderOptions {
  paging: PagingMode;
  /** Exact paging: the page of the merged order (per-system paging leaves paging to the systems). */
  limit: number | undefined;
  offset: number;
  /** Which system keeps a record that several systems list (`where`: each listing, in order). */
  ownerOf(id: number, where: readonly SystemName[]): Promise<SystemName>;
}

export interface MergeRowsOptions extends MergeOrderOptions {
  /** The row field merged on (`i_customer`, `i_account`). */
  idField: string;
  /** The list's key when the first system's reply has none (`customer_list`). */
  defaultKey: string;
}

/** One system's rows for {@link mergeRowOrder}: moved-away copies already left out and counted. */
export interface SystemRows<R extends { id: number | undefined }> {
  system: SystemName;
  rows: readonly R[];
  /** Moved-away copies left out of `rows`. */
  moved: number;
  total: number | undefined;
}

/** Whether every row has an id, each greater than the one before (the order systems list in). */
function ascending(rows: ReadonlyArray<{ id: number | undefined }>): boolean {
  let last = -Infinity;
  for (let i = 0; i < rows.length; i++) {
    const id = rows[i]!.id;
    if (id === undefined || !(id > last)) return false;
    last = id;
  }
  return true;
}

/**
 * The ids listed more than once, each with the systems that list it (in list order, a system
 * twice if it lists the id twice), in the order of their first appearance.
 */
function listedTwice(lists: ReadonlyArray<{ system: SystemName; rows: ReadonlyArray<{ id: number | undefined }> }>): Map<number, SystemName[]> {
  const twice = new Map<number, SystemName[]>();
  const [a, b] = lists;
  if (lists.length === 2 && ascending(a!.rows) && ascending(b!.rows)) {
    // Two lists in ascending id order: the ids both hold, walking them side by side (no map of every id).
    const ar = a!.rows;
    const br = b!.rows;
    let j = 0;
    for (let i = 0; i < ar.length && j < br.length; i++) {
      const id = ar[i]!.id!;
      while (j < br.length && br[j]!.id! < id) j++;
      if (j < br.length && br[j]!.id === id) twice.set(id, [a!.system, b!.system]);
    }
    return twice;
  }
  // Where each id was listed: one system (the rule) as itself, several (a record both list) as an array.
  const seen = new Map<number, SystemName | SystemName[]>();
  for (const { system, rows } of lists) {
    for (const row of rows) {
      if (row.id === undefined) continue;
      const where = seen.get(row.id);
      if (where === undefined) seen.set(row.id, system);
      else if (typeof where === 'string') seen.set(row.id, [where, system]);
      else where.push(system);
    }
  }
  for (const [id, where] of seen) if (typeof where !== 'string') twice.set(id, where);
  return twice;
}

/**
 * The merged rows of the systems' lists (in the order given) and the merged total: a record
 * listed by several systems is kept from its owner, `total` is summed without the dropped rows
 * (moved-away copies and duplicates). Per-system paging keeps each system's rows in its order,
 * one system after the other; exact paging sorts all rows by id (stable) and cuts the page.
 */
export async function mergeRowOrder<R extends { id: number | undefined }>(lists: ReadonlyArray<SystemRows<R>>, o: MergeOrderOptions): Promise<{ rows: R[]; total: number | undefined }> {
  let dropped = 0;
  for (const l of lists) dropped += l.moved;
  // A record listed by both systems without a marker: keep the copy from where it lives.
  const owner = new Map<number, SystemName>();
  for (const [id, where] of listedTwice(lists)) {
    owner.set(id, await o.ownerOf(id, where));
    dropped += where.length - 1;
  }
  let merged: R[] = [];
  for (const { system, rows } of lists) {
    if (owner.size === 0) {
      merged = merged.length === 0 ? [...rows] : merged.concat(rows);
      continue;
    }
    for (const row of rows) {
      if (row.id !== undefined && owner.has(row.id) && owner.get(row.id) !== system) continue;
      merged.push(row);
    }
  }
  if (o.paging === 'exact') {
    merged.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    if (o.limit !== undefined) merged = merged.slice(o.offset, o.offset + o.limit);
  }
  const totals = lists.map((l) => l.total).filter((t): t is number => t !== undefined);
  const total = totals.length > 0 ? Math.max(0, totals.reduce((a, b) => a + b, 0) - dropped) : undefined;
  return { rows: merged, total };
}

/**
 * Merges the systems' lists (in the order given) into the reply's bytes, as pieces to send in
 * order (mostly views of the backends' replies, see splicePieces), by {@link mergeRowOrder}.
 */
export async function mergeRowPieces(lists: readonly SystemList[], o: MergeRowsOptions): Promise<Buffer[]> {
  const key = (lists[0] !== undefined ? listKeyOf(lists[0]) : undefined) ?? o.defaultKey;
  const merged = await mergeRowOrder(lists.map((list) => ({ system: list.system, ...rowsOf(list, key, o.idField), total: totalOf(list) })), o);
  return splicePieces(key, merged.rows, merged.total);
}
