import type { SystemName } from '../core/api-call.ts';
import type { ServiceClient } from '../backends/service-client.ts';
import type { LearnedCustomer } from './cutover.ts';
import type { OwnedRecord } from '../directory/owned-record.ts';
import { ownedRecordsIn } from '../directory/owned-records-in.ts';

/** Lists, per customer, of the records it owns; paged where the method pages. */
const OWNED_LISTS: ReadonlyArray<{ path: string; paged: boolean }> = [
  { path: '/rest/Invoice/get_invoice_list', paged: true },
  { path: '/rest/DID/get_number_list', paged: true },
  { path: '/rest/UA/get_ua_list', paged: true },
  { path: '/rest/Customer/get_subscriptions', paged: false },
  { path: '/rest/Customer/get_vd_counter_list', paged: false },
  { path: '/rest/Customer/get_document_list', paged: false },
];
/** Accounts whose aliases are read at a move; beyond that, aliases are discovered when named. */
const MAX_ALIAS_ACCOUNTS = 200;
const PAGE = 1000;
const MAX_PAGES = 20;

/**
 * The records a customer owns on a system (invoices, DIDs, UAs, subscriptions, VD counters,
 * documents, its accounts' aliases), so that after the move a call naming only such an id goes to the customer's new
 * system and not to the copy left on the old one. A list the system does not serve is skipped:
 * an unknown owned id is still discovered when a call names it.
 */
async function ownedRecordsOf(service: ServiceClient, system: SystemName, iCustomer: number, accounts: readonly number[]): Promise<OwnedRecord[]> {
  const rows: OwnedRecord[] = [];
  const accountSet = new Set(accounts);
  const keep = (json: Record<string, unknown>, path: string): number => {
    const found = ownedRecordsIn('', path, json, PAGE * 2);
    for (const f of found) {
      const mine = 'iCustomer' in f.owner ? f.owner.iCustomer === iCustomer : accountSet.has(f.owner.iAccount);
      if (!mine) continue;
      const iAccount = f.owner.iAccount;
      rows.push({ kind: f.kind, id: f.id, owner: iAccount === undefined ? { iCustomer } : { iCustomer, iAccount } });
    }
    return found.length;
  };
  for (const { path, paged } of OWNED_LISTS) {
    for (let page = 0; page < (paged ? MAX_PAGES : 1); page++) {
      const params: Record<string, unknown> = paged ? { i_customer: iCustomer, limit: PAGE, offset: page * PAGE } : { i_customer: iCustomer };
      const reply = await service.call(system, path, params);
      if (reply.status !== 200 || keep(reply.json, path) < PAGE) break;
    }
  }
  for (const iAccount of accounts.slice(0, MAX_ALIAS_ACCOUNTS)) {
    const reply = await service.call(system, '/rest/Account/get_alias_list', { i_master_account: iAccount });
    if (reply.status === 200) keep(reply.json, 'get_alias_list');
  }
  return rows;
}

/**
 * Reads a customer's lookup keys, accounts and owned records on a system with the service login,
 * so that every key, account and owned id naming the customer resolves through the directory
 * before a move.
 */
export function customerReader(service: ServiceClient) {
  return async (system: SystemName, iCustomer: number): Promise<LearnedCustomer> => {
    const learned: LearnedCustomer = { accounts: [] };
    const info = await service.call(system, '/rest/Customer/get_customer_info', { i_customer: iCustomer });
    const ci = info.json.customer_info as Record<string, unknown> | undefined;
    if (info.status === 200 && ci !== undefined) {
      for (const k of ['login', 'name', 'refnum'] as const) if (typeof ci[k] === 'string') learned[k] = ci[k];
    }
    for (let offset = 0; offset < 1_000_000; offset += 1000) {
      const json = await service.ok(system, '/rest/Account/get_account_list', { i_customer: iCustomer, limit: 1000, offset });
      const list = Array.isArray(json.account_list) ? (json.account_list as Array<Record<string, unknown>>) : [];
      for (const a of list) {
        if (typeof a.i_account !== 'number') continue;
        const entry: { iAccount: number; id?: string; login?: string } = { iAccount: a.i_account };
        if (typeof a.id === 'string') entry.id = a.id;
        if (typeof a.login === 'string') entry.login = a.login;
        learned.accounts.push(entry);
      }
      if (list.length < 1000) break;
    }
    learned.owned = await ownedRecordsOf(service, system, iCustomer, learned.accounts.map((a) => a.iAccount));
    return learned;
  };
}
