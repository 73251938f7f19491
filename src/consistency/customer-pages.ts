import type { SystemName } from '../core/api-call.ts';
import type { ServiceClient } from '../backends/service-client.ts';

/** A runaway paging is stopped rather than followed. */
const MAX_ROWS = 100_000_000;

/**
 * The ids of the customers a system holds active, ascending, one page at a time
 * (`Customer/get_customer_list` with `skip_exported`, `limit`/`offset`): a customer marked moved
 * (`migration_status: moved`) is left out even when a system ignores `skip_exported`. Throws,
 * naming the system, when it refuses, answers something else, or does not list in i_customer
 * order (a merge-walk needs the order; holding the lists instead would not stay flat).
 */
export async function* activeCustomerIds(service: ServiceClient, system: SystemName, pageSize: number): AsyncGenerator<Float64Array> {
  const path = '/rest/Customer/get_customer_list';
  let last = -Infinity;
  for (let offset = 0; offset < MAX_ROWS; offset += pageSize) {
    let reply: Record<string, unknown>;
    try {
      reply = await service.ok(system, path, { skip_exported: 1, limit: pageSize, offset });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(message.startsWith(`The ${system} system`) ? message : `The ${system} system could not be read (${path}): ${message}`, { cause: err });
    }
    const rows = reply.customer_list;
    if (!Array.isArray(rows)) throw new Error(`The ${system} system answered ${path} without a customer_list`);
    const ids = new Float64Array(rows.length);
    let n = 0;
    for (const row of rows as Array<Record<string, unknown> | null>) {
      const id = row?.i_customer;
      if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new Error(`The ${system} system listed a customer without an integer i_customer: ${JSON.stringify(row).slice(0, 200)}`);
      if (id <= last) throw new Error(`The ${system} system does not list customers in i_customer order (${id} after ${last} at offset ${offset})`);
      last = id;
      if (row!.migration_status === 'moved') continue;
      ids[n++] = id;
    }
    if (n > 0) yield ids.subarray(0, n);
    if (rows.length !== pageSize) return;
  }
  throw new Error(`The ${system} system listed more than ${MAX_ROWS} customers`);
}
