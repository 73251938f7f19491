import type { JsonObject } from '../../core/api-call.ts';
import type { SimCustomer } from '../model/records.ts';
import { formatPortaTime } from '../model/porta-time.ts';
import type { SimCallContext, SimHandlerTable, SimSystem } from './sim-context.ts';
import { findCustomer, guardWrite, logWrite } from './locate.ts';
import { findOwned } from './owned-locate.ts';
import { optInt, optString, reqInt, reqObject } from './params.ts';
import { isStaff } from './scope.ts';
import { simFault } from './sim-faults.ts';

interface Located {
  customer: SimCustomer;
  list: JsonObject[];
  index: number;
}

function staffOnly(ctx: SimCallContext, method: string): void {
  if (!isStaff(ctx.user)) throw simFault('permissionDenied', `The ${ctx.realm} realm cannot call ${method}`);
}

/**
 * A customer's subscriptions as PortaBilling's Customer service has them: `get_subscriptions`
 * (`i_customer` → `subscriptions`), `add_subscription` (`i_customer`, `subscription_info.i_subscription`
 * = the plan → `i_customer_subscription`), `update_subscription` (`subscription_info.i_customer_subscription`)
 * and `close_subscription` (`i_customer_subscription`). `i_customer_subscription` is the owned id;
 * `i_customer`, when sent with it, must name its owner.
 */
export function registerSubscriptionService(table: SimHandlerTable, sys: SimSystem): void {
  const { store } = sys;
  const plans = store.config.subscriptionPlans;
  const view = (s: JsonObject): JsonObject => {
    const plan = typeof s.i_subscription === 'number' ? plans.get(s.i_subscription) : undefined;
    return { ...s, name: plan?.name ?? null, periodic_fee: plan?.periodic_fee ?? null };
  };
  const locate = (ctx: SimCallContext, params: JsonObject, id: number): Located => {
    const notFound = simFault('subscriptionNotFound', `Not found: i_customer_subscription ${id}`);
    const { customer } = findOwned(sys, ctx, ['subscription'], id, 'i_customer_subscription', 'subscriptionNotFound');
    const given = optInt(params, 'i_customer');
    if (!customer || (given !== undefined && given !== customer.i_customer)) throw notFound;
    const list = store.subscriptionsOf(customer.i_customer).map((s) => ({ ...s }));
    const index = list.findIndex((s) => s.i_customer_subscription === id);
    if (index < 0) throw notFound;
    return { customer, list, index };
  };
  const checkPlan = (v: number | undefined): void => {
    if (v !== undefined && !plans.has(v)) throw simFault('validation', `i_subscription ${v} does not exist`);
  };
  const checkDate = (name: string, v: string | undefined): void => {
    if (v !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw simFault('validation', `${name} must be a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
  };

  table.set('Customer/get_subscriptions', (ctx, params) => {
    const c = findCustomer(sys, ctx, params);
    return { subscriptions: store.subscriptionsOf(c.i_customer).map(view) };
  });

  table.set('Customer/add_subscription', (ctx, params) => {
    staffOnly(ctx, 'Customer/add_subscription');
    const c = findCustomer(sys, ctx, { i_customer: reqInt(params, 'i_customer') });
    const info = reqObject(params, 'subscription_info');
    const plan = reqInt(info, 'i_subscription');
    checkPlan(plan);
    const start = optString(info, 'start_date') ?? formatPortaTime(Date.now()).slice(0, 10);
    checkDate('start_date', start);
    const fields: JsonObject = { i_subscription: plan, start_date: start };
    guardWrite(sys, 'Customer/add_subscription', c.i_customer, undefined, fields);
    const id = store.owned.allocate('subscription');
    store.putSubscriptions(c.i_customer, [...store.subscriptionsOf(c.i_customer), { i_customer_subscription: id, i_customer: c.i_customer, ...fields, status: 'active' }]);
    logWrite(sys, 'Customer/add_subscription', c.i_customer, undefined, { i_customer_subscription: id, ...fields });
    return { i_customer_subscription: id };
  });

  table.set('Customer/update_subscription', (ctx, params) => {
    staffOnly(ctx, 'Customer/update_subscription');
    const info = reqObject(params, 'subscription_info');
    const id = reqInt(info, 'i_customer_subscription');
    const { customer, list, index } = locate(ctx, params, id);
    const plan = optInt(info, 'i_subscription');
    checkPlan(plan);
    const patch: JsonObject = {};
    if (plan !== undefined) patch.i_subscription = plan;
    for (const f of ['start_date', 'finish_date'] as const) {
      const v = optString(info, f);
      checkDate(f, v);
      if (v !== undefined) patch[f] = v;
    }
    const fields = { i_customer_subscription: id, ...patch };
    guardWrite(sys, 'Customer/update_subscription', customer.i_customer, undefined, fields);
    list[index] = { ...list[index], ...patch };
    store.putSubscriptions(customer.i_customer, list);
    logWrite(sys, 'Customer/update_subscription', customer.i_customer, undefined, fields);
    return { i_customer_subscription: id };
  });

  table.set('Customer/close_subscription', (ctx, params) => {
    staffOnly(ctx, 'Customer/close_subscription');
    const id = reqInt(params, 'i_customer_subscription');
    const { customer, list, index } = locate(ctx, params, id);
    const fields = { i_customer_subscription: id };
    guardWrite(sys, 'Customer/close_subscription', customer.i_customer, undefined, fields);
    list[index] = { ...list[index], status: 'closed', finish_date: formatPortaTime(Date.now()).slice(0, 10) };
    store.putSubscriptions(customer.i_customer, list);
    logWrite(sys, 'Customer/close_subscription', customer.i_customer, undefined, fields);
    return { i_customer_subscription: id };
  });
}
