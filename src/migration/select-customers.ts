import type { SystemName } from '../core/api-call.ts';
import type { ServiceClient } from '../backends/service-client.ts';
import type { CampaignSelection } from './campaign-request.ts';
import { MAX_CAMPAIGN_CUSTOMERS } from './campaign-request.ts';
import { badCampaign } from './campaign-faults.ts';

/**
 * The i_customer ids a selection names, read on the system the customers leave
 * (`Customer/get_customer_list`, 1,000 per page, customers already moved away left out).
 */
export async function selectCustomers(service: ServiceClient, from: SystemName, selection: CampaignSelection): Promise<number[]> {
  if (selection.kind === 'ids') return [...new Set(selection.ids)];
  const filter: Record<string, unknown> = { skip_exported: 1 };
  if (selection.reseller !== undefined) filter.i_parent = selection.reseller;
  if (selection.customerClass !== undefined) filter.i_customer_class = selection.customerClass;
  const ids: number[] = [];
  for (let offset = 0; ; offset += 1000) {
    const json = await service.ok(from, '/rest/Customer/get_customer_list', { ...filter, limit: 1000, offset });
    const list = Array.isArray(json.customer_list) ? (json.customer_list as Array<Record<string, unknown>>) : [];
    for (const c of list) {
      const id = c.i_customer;
      if (typeof id !== 'number' || c.migration_status === 'moved') continue;
      if (selection.idFrom !== undefined && (id < selection.idFrom || id > (selection.idTo ?? id))) continue;
      ids.push(id);
    }
    if (ids.length > MAX_CAMPAIGN_CUSTOMERS) throw badCampaign(`the selection names more than ${MAX_CAMPAIGN_CUSTOMERS} customers; split it into several campaigns`);
    if (list.length < 1000) break;
  }
  if (ids.length === 0) throw badCampaign(`the selection names no customer on ${from}`);
  return ids;
}
