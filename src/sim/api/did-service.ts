import type { JsonObject } from '../../core/api-call.ts';
import type { SimCallContext, SimHandlerTable, SimSystem } from './sim-context.ts';
import { collectPage, findAccount, findCustomer, guardWrite, logWrite } from './locate.ts';
import { findOwned, type OwnedHit } from './owned-locate.ts';
import { optInt, optString, paging, reqInt } from './params.ts';
import { canSeeCustomer, isStaff } from './scope.ts';
import { simFault } from './sim-faults.ts';
import { DEFAULT_LIST_CAP } from './customer-service.ts';

const SUCCESS: JsonObject = { success: 1 };

function staffOnly(ctx: SimCallContext, method: string): void {
  if (!isStaff(ctx.user)) throw simFault('permissionDenied', `The ${ctx.realm} realm cannot call ${method}`);
}

/**
 * The DID inventory (`DID/*`): numbers (`i_did_number`) are free (nobody's) or assigned to a
 * customer and optionally to one of its accounts (`i_master_account`). `number_info.i_customer`
 * and `.i_master_account` name the owner. Assignment writes are audited under the customer the
 * number ends up with (or leaves).
 */
export function registerDidService(table: SimHandlerTable, sys: SimSystem): void {
  const { store } = sys;
  const owned = store.owned;
  const did = (ctx: SimCallContext, params: JsonObject): { id: number; hit: OwnedHit; record: JsonObject } => {
    const id = reqInt(params, 'i_did_number');
    const hit = findOwned(sys, ctx, ['did'], id, 'i_did_number', 'didNotFound');
    const record = owned.getDid(id);
    if (!record) throw simFault('didNotFound', `Not found: i_did_number ${id}`);
    return { id, hit, record };
  };

  table.set('DID/get_number_list', (ctx, params) => {
    const { limit, offset, getTotal } = paging(params);
    const number = optString(params, 'number');
    const user = ctx.user;
    let rows: Iterable<JsonObject>;
    if (user.realm === 'account') rows = owned.didsOf(user.i_customer).filter((d) => d.i_master_account === user.i_account);
    else if (optInt(params, 'i_customer') !== undefined || user.realm === 'customer') rows = owned.didsOf(findCustomer(sys, ctx, params).i_customer);
    else {
      rows = (function* () {
        if (user.realm === 'admin') yield* owned.freeDids();
        for (const id of store.customerIds()) {
          const c = store.getCustomer(id);
          if (c && canSeeCustomer(user, c)) yield* owned.didsOf(id);
        }
      })();
    }
    const { rows: page, total } = collectPage(rows, (d) => number === undefined || d.number === number, offset, limit ?? DEFAULT_LIST_CAP, getTotal);
    const out: JsonObject = { number_list: page };
    if (getTotal) out.total = total;
    return out;
  });

  table.set('DID/get_number_info', (ctx, params) => ({ number_info: did(ctx, params).record }));

  table.set('DID/assign_did_to_customer', (ctx, params) => {
    staffOnly(ctx, 'DID/assign_did_to_customer');
    const customer = findCustomer(sys, ctx, { i_customer: reqInt(params, 'i_customer') });
    const { id, hit, record } = did({ ...ctx, user: { realm: 'admin', login: 'inventory', i_user: 0 } }, params);
    const fields: JsonObject = { i_did_number: id, i_customer: customer.i_customer };
    if (hit.customer && hit.customer.i_customer !== customer.i_customer) throw simFault('didInUse', `DID ${String(record.number)} (i_did_number ${id}) is assigned to another customer`);
    guardWrite(sys, 'DID/assign_did_to_customer', customer.i_customer, undefined, fields);
    owned.putDid({ ...record, i_customer: customer.i_customer });
    logWrite(sys, 'DID/assign_did_to_customer', customer.i_customer, undefined, fields);
    return SUCCESS;
  });

  table.set('DID/release_did_from_customer', (ctx, params) => {
    staffOnly(ctx, 'DID/release_did_from_customer');
    const { id, hit, record } = did(ctx, params);
    if (!hit.customer) throw simFault('validation', `i_did_number ${id} is not assigned to a customer`);
    const fields: JsonObject = { i_did_number: id };
    guardWrite(sys, 'DID/release_did_from_customer', hit.customer.i_customer, hit.owner.i_account, fields);
    owned.putDid({ ...record, i_customer: null, i_master_account: null, is_used: 'N' });
    logWrite(sys, 'DID/release_did_from_customer', hit.customer.i_customer, hit.owner.i_account, fields);
    return SUCCESS;
  });

  table.set('DID/assign_did_to_account', (ctx, params) => {
    staffOnly(ctx, 'DID/assign_did_to_account');
    const account = findAccount(sys, ctx, { i_account: reqInt(params, 'i_master_account') });
    // A free number is not visible to a reseller as a record, but may be taken from the inventory.
    const { id, hit, record } = did({ ...ctx, user: { realm: 'admin', login: 'inventory', i_user: 0 } }, params);
    const fields: JsonObject = { i_did_number: id, i_master_account: account.i_account };
    if (hit.customer && hit.customer.i_customer !== account.i_customer) throw simFault('didInUse', `DID ${String(record.number)} (i_did_number ${id}) is assigned to another customer`);
    if (typeof record.i_master_account === 'number' && record.i_master_account !== account.i_account) throw simFault('didInUse', `DID ${String(record.number)} (i_did_number ${id}) is assigned to account ${record.i_master_account}`);
    guardWrite(sys, 'DID/assign_did_to_account', account.i_customer, account.i_account, fields);
    owned.putDid({ ...record, i_customer: account.i_customer, i_master_account: account.i_account, is_used: 'Y' });
    logWrite(sys, 'DID/assign_did_to_account', account.i_customer, account.i_account, fields);
    return SUCCESS;
  });

  table.set('DID/release_did_from_account', (ctx, params) => {
    staffOnly(ctx, 'DID/release_did_from_account');
    const { id, hit, record } = did(ctx, params);
    const master = optInt(params, 'i_master_account');
    if (!hit.customer || typeof record.i_master_account !== 'number') throw simFault('validation', `i_did_number ${id} is not assigned to an account`);
    if (master !== undefined && master !== record.i_master_account) throw simFault('validation', `i_did_number ${id} is assigned to account ${record.i_master_account}, not ${master}`);
    const fields: JsonObject = { i_did_number: id, i_master_account: record.i_master_account };
    guardWrite(sys, 'DID/release_did_from_account', hit.customer.i_customer, record.i_master_account, fields);
    owned.putDid({ ...record, i_master_account: null, is_used: 'N' });
    logWrite(sys, 'DID/release_did_from_account', hit.customer.i_customer, record.i_master_account, fields);
    return SUCCESS;
  });
}
