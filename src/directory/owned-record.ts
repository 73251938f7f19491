import type { OwnedKind, OwnedRecordOwner } from '../core/owned-kinds.ts';
import { OWNED_KINDS } from '../core/owned-kinds.ts';
import type { ApiFault } from '../core/faults.ts';
import { dispatcherFault } from '../core/faults.ts';

/** One owned record and its owner, as stored (`putOwnedMany`, import rows, learned replies). */
export interface OwnedRecord {
  kind: OwnedKind;
  id: number;
  owner: OwnedRecordOwner;
}

/** Every owned kind, in table order. */
export const OWNED_KIND_NAMES: readonly OwnedKind[] = Object.freeze(Object.keys(OWNED_KINDS) as OwnedKind[]);

/** True when `value` names an owned kind (`invoice`, `xdr`, …). */
export function isOwnedKind(value: unknown): value is OwnedKind {
  return typeof value === 'string' && Object.hasOwn(OWNED_KINDS, value);
}

function positiveId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

/**
 * Checks an owned record completely before anything is written (it may come straight from JSON,
 * so every part is checked at run time). Returns why it is invalid, naming the value seen, or
 * undefined when it is valid.
 */
export function invalidOwnedReason(r: OwnedRecord): string | undefined {
  if (typeof r !== 'object' || r === null) return 'not an owned record';
  if (!isOwnedKind(r.kind)) return `owned kind ${JSON.stringify(r.kind)} is not one of ${OWNED_KIND_NAMES.join(', ')}`;
  if (!positiveId(r.id)) return `${r.kind} id ${JSON.stringify(r.id)} is not a positive integer`;
  const o = r.owner as Partial<OwnedRecordOwner> | null | undefined;
  if (typeof o !== 'object' || o === null) return `${r.kind} ${r.id} has no owner`;
  for (const k of Object.keys(o)) if (k !== 'iCustomer' && k !== 'iAccount') return `${r.kind} ${r.id}: unknown owner field "${k}"`;
  if (!positiveId(o.iCustomer)) return `${r.kind} ${r.id}: owner i_customer ${JSON.stringify(o.iCustomer)} is not a positive integer`;
  if (o.iAccount !== undefined && !positiveId(o.iAccount)) return `${r.kind} ${r.id}: owner i_account ${JSON.stringify(o.iAccount)} is not a positive integer`;
  return undefined;
}

/** The 400 fault for an invalid owned record; stores throw it before writing anything. */
export function invalidOwnedFault(why: string): ApiFault {
  return dispatcherFault('badRequest', `Invalid owned record: ${why}`, { httpStatus: 400 });
}

/** Throws the 400 fault when any row is invalid (nothing is written then). */
export function checkOwnedRows(rows: readonly OwnedRecord[]): void {
  for (const r of rows) {
    const why = invalidOwnedReason(r);
    if (why !== undefined) throw invalidOwnedFault(why);
  }
}

/** The cache / map key of one owned record. */
export function ownedKey(kind: OwnedKind, id: number): string {
  return `${kind}\u0000${id}`;
}

/** A copy with exactly the owner's fields (no `iAccount: undefined`). */
export function copyOwner(o: OwnedRecordOwner): OwnedRecordOwner {
  return o.iAccount === undefined ? { iCustomer: o.iCustomer } : { iCustomer: o.iCustomer, iAccount: o.iAccount };
}

/** True when two owners are the same customer and account. */
export function sameOwner(a: OwnedRecordOwner | undefined, b: OwnedRecordOwner): boolean {
  return a !== undefined && a.iCustomer === b.iCustomer && a.iAccount === b.iAccount;
}

/** Keeps the last row of each (kind, id), in the order of those last rows: the last row wins. */
export function lastPerRecord(rows: readonly OwnedRecord[]): OwnedRecord[] {
  const m = new Map<string, OwnedRecord>();
  for (const r of rows) { const k = ownedKey(r.kind, r.id); m.delete(k); m.set(k, r); }
  return [...m.values()];
}
