import type { JsonObject } from '../../core/api-call.ts';
import type { SimHandlerTable, SimSystem } from './sim-context.ts';
import { collectPage, findCustomer } from './locate.ts';
import { findOwned } from './owned-locate.ts';
import { optInt, paging, reqInt } from './params.ts';
import { isStaff } from './scope.ts';
import { simFault } from './sim-faults.ts';
import { DEFAULT_LIST_CAP } from './customer-service.ts';

/**
 * `Invoice/get_invoice_list` (`i_customer`, paging; staff may list all they can see) and
 * `Invoice/get_invoice_info` (`i_invoice` → `invoice_info`, whose `i_customer` names the owner).
 */
export function registerInvoiceService(table: SimHandlerTable, sys: SimSystem): void {
  const { store } = sys;

  table.set('Invoice/get_invoice_list', (ctx, params) => {
    const { limit, offset, getTotal } = paging(params);
    let invoices: Iterable<JsonObject>;
    if (optInt(params, 'i_customer') !== undefined || !isStaff(ctx.user)) {
      invoices = store.invoicesOf(findCustomer(sys, ctx, params).i_customer);
    } else {
      const user = ctx.user;
      invoices = (function* () {
        for (const id of store.customerIds()) {
          const c = store.getCustomer(id);
          if (c && (user.realm === 'admin' || (user.realm === 'reseller' && c.i_parent === user.i_customer))) yield* store.invoicesOf(id);
        }
      })();
    }
    const { rows, total } = collectPage(invoices, () => true, offset, limit ?? DEFAULT_LIST_CAP, getTotal);
    const out: JsonObject = { invoice_list: rows };
    if (getTotal) out.total = total;
    return out;
  });

  table.set('Invoice/get_invoice_info', (ctx, params) => {
    const id = reqInt(params, 'i_invoice');
    const { customer } = findOwned(sys, ctx, ['invoice'], id, 'i_invoice', 'invoiceNotFound');
    const invoice = customer ? store.invoicesOf(customer.i_customer).find((i) => i.i_invoice === id) : undefined;
    if (!invoice) throw simFault('invoiceNotFound', `Not found: i_invoice ${id}`);
    return { invoice_info: invoice };
  });
}
