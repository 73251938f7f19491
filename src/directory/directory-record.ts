import type { DirectoryRecord, LookupKeyKind } from './location-directory.ts';

const FIELDS = new Set(['iCustomer', 'system', 'accounts', 'login', 'name', 'refnum', 'accountKeys']);

function positiveId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function keyText(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 512;
}

/**
 * Checks a record completely before anything is written, so a bad row is rejected whole.
 * Returns the reason it is invalid (naming the value seen), or undefined when it is valid.
 */
export function invalidRecordReason(record: DirectoryRecord): string | undefined {
  for (const k of Object.keys(record)) if (!FIELDS.has(k)) return `unknown field "${k}"`;
  if (!positiveId(record.iCustomer)) return `i_customer ${JSON.stringify(record.iCustomer)} is not a positive integer`;
  if (record.system !== 'source' && record.system !== 'target') return `system ${JSON.stringify(record.system)} is not "source" or "target"`;
  for (const f of ['login', 'name', 'refnum'] as const) {
    const v = record[f];
    if (v !== undefined && !keyText(v)) return `${f} ${JSON.stringify(v)} is not a non-empty string of at most 512 characters`;
  }
  if (record.accounts !== undefined) {
    if (!Array.isArray(record.accounts)) return 'accounts is not a list of i_account';
    for (const a of record.accounts) if (!positiveId(a)) return `account ${JSON.stringify(a)} is not a positive integer`;
  }
  if (record.accountKeys !== undefined) {
    if (!Array.isArray(record.accountKeys)) return 'accountKeys is not a list';
    for (const k of record.accountKeys) {
      if (typeof k !== 'object' || k === null || !positiveId(k.iAccount)) return `account key ${JSON.stringify(k)} has no positive i_account`;
      if (k.id !== undefined && !keyText(k.id)) return `account ${k.iAccount} id ${JSON.stringify(k.id)} is not a non-empty string`;
      if (k.login !== undefined && !keyText(k.login)) return `account ${k.iAccount} login ${JSON.stringify(k.login)} is not a non-empty string`;
    }
  }
  return undefined;
}

/** Every account id a record mentions (its `accounts` and its `accountKeys`), without duplicates. */
export function accountsOfRecord(record: DirectoryRecord): number[] {
  const all = new Set<number>(record.accounts ?? []);
  for (const k of record.accountKeys ?? []) all.add(k.iAccount);
  return [...all];
}

/** Every lookup key a record sets, as named in change notifications. */
export function keysOfRecord(record: DirectoryRecord): Array<{ kind: LookupKeyKind; value: string }> {
  const out: Array<{ kind: LookupKeyKind; value: string }> = [];
  if (record.login !== undefined) out.push({ kind: 'customer-login', value: record.login });
  if (record.name !== undefined) out.push({ kind: 'customer-name', value: record.name });
  if (record.refnum !== undefined) out.push({ kind: 'customer-refnum', value: record.refnum });
  for (const k of record.accountKeys ?? []) {
    if (k.id !== undefined) out.push({ kind: 'account-id', value: k.id });
    if (k.login !== undefined) out.push({ kind: 'account-login', value: k.login });
  }
  return out;
}
