import { OWNED_KINDS } from '../core/owned-kinds.ts';
import type { OwnedKind } from '../core/owned-kinds.ts';

/** An owner as a reply names it: a customer (and maybe its account), or only an account (resolve it with `getAccountOwner`). */
export type ReplyOwner = { iCustomer: number; iAccount?: number } | { iAccount: number };

/** One owned record found in a reply. */
export interface FoundOwnedRecord {
  kind: OwnedKind;
  id: number;
  owner: ReplyOwner;
}

const FIELD_KINDS = Object.entries(OWNED_KINDS) as Array<[OwnedKind, string]>;

/** A positive safe integer, also as decimal text (SOAP replies carry ids as strings). */
function idOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v > 0 ? v : undefined;
  if (typeof v === 'string' && /^[1-9][0-9]{0,14}$/.test(v)) return Number(v);
  return undefined;
}

/** Top-level arrays of records that are not named `*_list` (PortaBilling's `get_subscriptions`, ESPF collections). */
const OTHER_LIST_KEYS = new Set(['subscriptions', 'items']);

/**
 * The owned records a list or info reply shows with their owners: every item of a top-level
 * `*_list` array (or `subscriptions`, `items`) and every top-level `*_info` object that carries an
 * owned id field (`OWNED_KINDS`) plus `i_customer` and/or an account (`i_account`, or
 * `i_master_account` on DIDs and aliases). Items without an owner (a free DID) are skipped.
 * Looks at no more than `maxItems` items in all and never throws, whatever the JSON.
 * `service` and `method` are kept for kind rules that depend on the call (none yet).
 */
export function ownedRecordsIn(service: string, method: string, reply: unknown, maxItems = 1000): FoundOwnedRecord[] {
  void service; void method;
  const out: FoundOwnedRecord[] = [];
  try {
    if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return out;
    let budget = Math.max(0, Math.floor(maxItems));
    const visit = (item: unknown): void => {
      budget--;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return;
      const o = item as Record<string, unknown>;
      const iCustomer = idOf(o.i_customer);
      const iAccount = idOf(o.i_account) ?? idOf(o.i_master_account);
      if (iCustomer === undefined && iAccount === undefined) return;
      const owner: ReplyOwner = iCustomer === undefined ? { iAccount: iAccount! } : iAccount === undefined ? { iCustomer } : { iCustomer, iAccount };
      for (const [kind, field] of FIELD_KINDS) {
        const id = idOf(o[field]);
        if (id !== undefined) out.push({ kind, id, owner });
      }
    };
    for (const [key, value] of Object.entries(reply as Record<string, unknown>)) {
      if (budget <= 0) break;
      if ((key.endsWith('_list') || OTHER_LIST_KEYS.has(key)) && Array.isArray(value)) {
        for (const item of value) { if (budget <= 0) break; visit(item); }
      } else if (key.endsWith('_info')) visit(value);
    }
  } catch { /* odd input: what was found so far */ }
  return out;
}
