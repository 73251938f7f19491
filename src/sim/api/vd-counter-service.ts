import type { SimHandlerTable, SimSystem } from './sim-context.ts';
import { findCustomer, guardWrite, logWrite } from './locate.ts';
import { findOwned } from './owned-locate.ts';
import { optInt, reqInt } from './params.ts';
import { isStaff } from './scope.ts';
import { simFault } from './sim-faults.ts';

/**
 * Volume-discount plan use of a customer: `Customer/get_vd_counter_list` (`i_customer`,
 * `i_vd_plan?` → `counter_list`, each with its owned id `i_vd_counter` and `i_customer`) and
 * `Customer/reset_vd_counter` (`i_vd_counter` → the counter starts again from zero).
 */
export function registerVdCounterService(table: SimHandlerTable, sys: SimSystem): void {
  const { store } = sys;

  table.set('Customer/get_vd_counter_list', (ctx, params) => {
    const c = findCustomer(sys, ctx, params);
    const plan = optInt(params, 'i_vd_plan');
    const counters = store.countersOf(c).filter((x) => plan === undefined || x.i_vd_plan === plan);
    return { counter_list: counters.map((x) => ({ ...x, i_customer: c.i_customer })) };
  });

  table.set('Customer/reset_vd_counter', (ctx, params) => {
    if (!isStaff(ctx.user)) throw simFault('permissionDenied', `The ${ctx.realm} realm cannot call Customer/reset_vd_counter`);
    const id = reqInt(params, 'i_vd_counter');
    const notFound = simFault('vdCounterNotFound', `Not found: i_vd_counter ${id}`);
    const { customer } = findOwned(sys, ctx, ['vdCounter'], id, 'i_vd_counter', 'vdCounterNotFound');
    const given = optInt(params, 'i_customer');
    if (!customer || (given !== undefined && given !== customer.i_customer)) throw notFound;
    const list = store.countersOf(customer).map((x) => ({ ...x }));
    const index = list.findIndex((x) => x.i_vd_counter === id);
    const counter = list[index];
    if (!counter) throw notFound;
    const fields = { i_vd_counter: id };
    guardWrite(sys, 'Customer/reset_vd_counter', customer.i_customer, undefined, fields);
    list[index] = { ...counter, peak_level: 0, remaining: counter.threshold ?? 0 };
    store.putCounters(customer.i_customer, list);
    logWrite(sys, 'Customer/reset_vd_counter', customer.i_customer, undefined, fields);
    return { i_vd_counter: id };
  });
}
