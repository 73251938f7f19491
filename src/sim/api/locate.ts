import type { JsonObject } from '../../core/api-call.ts';
import type { SimAccount, SimCustomer } from '../model/records.ts';
import type { SimCallContext, SimSystem } from './sim-context.ts';
import { optInt, optString } from './params.ts';
import { canSeeAccount, canSeeCustomer } from './scope.ts';
import { simFault } from './sim-faults.ts';

/**
 * Finds the customer a call names (`i_customer` | `login` | `name` | `refnum`, at the top of
 * params or inside `customer_info`); a customer session without a locator means itself. Missing
 * and out-of-scope records give the same not-found fault.
 */
export function findCustomer(sys: SimSystem, ctx: SimCallContext, params: JsonObject): SimCustomer {
  const info = params.customer_info;
  const src = info !== null && typeof info === 'object' && !Array.isArray(info) ? { ...info, ...params } : params;
  const id = optInt(src, 'i_customer');
  const login = optString(src, 'login');
  const name = optString(src, 'name');
  const refnum = optString(src, 'refnum');
  const store = sys.store;
  let c: SimCustomer | undefined;
  let what: string;
  if (id !== undefined) {
    c = store.getCustomer(id);
    what = `i_customer ${id}`;
  } else if (login !== undefined) {
    c = store.customerByLogin(login);
    what = `login "${login}"`;
  } else if (name !== undefined) {
    c = store.customerByName(name);
    what = `name "${name}"`;
  } else if (refnum !== undefined) {
    c = store.customerByRefnum(refnum);
    what = `refnum "${refnum}"`;
  } else if (ctx.user.realm === 'customer' || ctx.user.realm === 'account') {
    c = store.getCustomer(ctx.user.i_customer);
    what = `i_customer ${ctx.user.i_customer}`;
  } else {
    throw simFault('validation', 'One of i_customer, login, name or refnum is required');
  }
  if (!c || !canSeeCustomer(ctx.user, c)) throw simFault('customerNotFound', `Customer not found: ${what}`);
  return c;
}

/**
 * Finds the account a call names (`i_account` | `id` | `login`, top level or in `account_info`);
 * an account session without a locator means itself.
 */
export function findAccount(sys: SimSystem, ctx: SimCallContext, params: JsonObject, faultName: 'accountNotFound' | 'portaSipAccountNotFound' = 'accountNotFound'): SimAccount {
  const info = params.account_info;
  const src = info !== null && typeof info === 'object' && !Array.isArray(info) ? { ...info, ...params } : params;
  const id = optInt(src, 'i_account');
  const phone = optString(src, 'id');
  const login = optString(src, 'login');
  const store = sys.store;
  let a: SimAccount | undefined;
  let what: string;
  if (id !== undefined) {
    a = store.getAccount(id);
    what = `i_account ${id}`;
  } else if (phone !== undefined) {
    a = store.accountByKey('id', phone);
    what = `id "${phone}"`;
  } else if (login !== undefined) {
    a = store.accountByKey('login', login);
    what = `login "${login}"`;
  } else if (ctx.user.realm === 'account') {
    a = store.getAccount(ctx.user.i_account);
    what = `i_account ${ctx.user.i_account}`;
  } else {
    throw simFault('validation', 'One of i_account, id or login is required');
  }
  if (!a || !canSeeAccount(ctx.user, a, store)) throw simFault(faultName, `Account not found: ${what}`);
  return a;
}

/**
 * Refuses (and audits) a write to a customer that has moved to the other system; the caller
 * records the applied write itself once it has succeeded.
 */
export function guardWrite(sys: SimSystem, method: string, iCustomer: number, iAccount: number | undefined, fields: JsonObject): void {
  const mark = sys.store.movedMark(iCustomer);
  if (!mark) return;
  const fault = simFault('customerMoved', `Customer ${iCustomer} has moved to another system (${mark.moved_to}) at ${mark.moved_at}; writes are refused here`);
  sys.writeLog.record({ method, i_customer: iCustomer, ...(iAccount === undefined ? {} : { i_account: iAccount }), applied: false, fields, faultcode: fault.faultcode });
  throw fault;
}

export function logWrite(sys: SimSystem, method: string, iCustomer: number, iAccount: number | undefined, fields: JsonObject): void {
  sys.writeLog.record({ method, i_customer: iCustomer, ...(iAccount === undefined ? {} : { i_account: iAccount }), applied: true, fields });
}

/** The rows of one page from an ascending source, with the total when asked for. */
export function collectPage<T>(
  source: Iterable<T>,
  accept: (item: T) => boolean,
  offset: number,
  limit: number,
  countAll: boolean,
): { rows: T[]; total: number } {
  const rows: T[] = [];
  let seen = 0;
  for (const item of source) {
    if (!accept(item)) continue;
    if (seen >= offset && rows.length < limit) rows.push(item);
    seen++;
    if (!countAll && rows.length >= limit) break;
  }
  return { rows, total: seen };
}
