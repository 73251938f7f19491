import type { SystemName } from '../core/api-call.ts';
import type { ServiceClient } from '../backends/service-client.ts';
import type { LearnedCustomer } from './cutover.ts';

/**
 * Reads a customer's lookup keys and accounts on a system with the service login, so that every
 * key and account naming the customer resolves through the directory before a move.
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
    return learned;
  };
}
