import type { SystemName } from '../core/api-call.ts';
import type { ServiceClient } from '../backends/service-client.ts';

/** The fields verify compares (issue 12): the customer's money, status and class, and its accounts. */
export interface CustomerSnapshot {
  balance: unknown;
  credit_limit: unknown;
  bill_status: unknown;
  blocked: unknown;
  i_customer_class: unknown;
  accounts: Array<{ i_account: number; i_product: unknown; balance: unknown; credit_limit: unknown; blocked: unknown }>;
}

/** Every account of a customer on a system, in i_account order (1,000 per page). */
export async function readAccounts(service: ServiceClient, system: SystemName, iCustomer: number): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (let offset = 0; offset < 1_000_000; offset += 1000) {
    const json = await service.ok(system, '/rest/Account/get_account_list', { i_customer: iCustomer, limit: 1000, offset });
    const list = Array.isArray(json.account_list) ? (json.account_list as Array<Record<string, unknown>>) : [];
    out.push(...list.filter((a) => typeof a.i_account === 'number'));
    if (list.length < 1000) break;
  }
  return out.sort((a, b) => (a.i_account as number) - (b.i_account as number));
}

/** Reads the customer and its accounts on a system; a customer the system does not hold is an error. */
export async function readSnapshot(service: ServiceClient, system: SystemName, iCustomer: number): Promise<CustomerSnapshot> {
  const info = await service.ok(system, '/rest/Customer/get_customer_info', { i_customer: iCustomer });
  const c = info.customer_info as Record<string, unknown> | undefined;
  if (c === undefined || c === null) throw new Error(`customer ${iCustomer} not found on ${system}`);
  const accounts = await readAccounts(service, system, iCustomer);
  return {
    balance: c.balance, credit_limit: c.credit_limit, bill_status: c.bill_status, blocked: c.blocked, i_customer_class: c.i_customer_class,
    accounts: accounts.map((a) => ({ i_account: a.i_account as number, i_product: a.i_product, balance: a.balance, credit_limit: a.credit_limit, blocked: a.blocked })),
  };
}

const show = (v: unknown): string => (v === undefined ? 'absent' : JSON.stringify(v));

/**
 * The differences between the source's snapshot and the target's copy, each naming the field and
 * both values (empty: the copy matches).
 */
export function snapshotDifferences(source: CustomerSnapshot, target: CustomerSnapshot): string[] {
  const out: string[] = [];
  for (const k of ['balance', 'credit_limit', 'bill_status', 'blocked', 'i_customer_class'] as const) {
    if (show(source[k]) !== show(target[k])) out.push(`${k}: source ${show(source[k])}, target ${show(target[k])}`);
  }
  if (source.accounts.length !== target.accounts.length) out.push(`account count: source ${source.accounts.length}, target ${target.accounts.length}`);
  const onTarget = new Map(target.accounts.map((a) => [a.i_account, a]));
  const sourceIds = new Set(source.accounts.map((a) => a.i_account));
  const missing = source.accounts.filter((a) => !onTarget.has(a.i_account)).map((a) => a.i_account);
  const extra = target.accounts.filter((a) => !sourceIds.has(a.i_account)).map((a) => a.i_account);
  if (missing.length > 0 || extra.length > 0) out.push(`account ids: missing on target [${missing.join(', ')}], only on target [${extra.join(', ')}]`);
  for (const a of source.accounts) {
    const t = onTarget.get(a.i_account);
    if (t === undefined) continue;
    for (const k of ['i_product', 'balance', 'credit_limit', 'blocked'] as const) {
      if (show(a[k]) !== show(t[k])) out.push(`account ${a.i_account} ${k}: source ${show(a[k])}, target ${show(t[k])}`);
    }
  }
  return out;
}
