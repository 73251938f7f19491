import type { JsonObject } from '../../core/api-call.ts';
import type { SimCallContext, SimHandlerTable, SimSystem } from './sim-context.ts';
import { findAccount, guardWrite, logWrite } from './locate.ts';
import { findOwned } from './owned-locate.ts';
import { optInt, optString, reqInt, reqObject } from './params.ts';
import { simFault } from './sim-faults.ts';

function noAccountRealm(ctx: SimCallContext, method: string): void {
  if (ctx.user.realm === 'account') throw simFault('permissionDenied', `The account realm cannot call ${method}`);
}

/**
 * Account aliases (extra numbers of one account): `Account/add_alias`
 * (`alias_info: {i_master_account, id, blocked?}` → `i_alias`), `Account/get_alias_list`
 * (`i_master_account` → `alias_list`) and `Account/delete_alias` (`alias_info: {i_alias | id,
 * i_master_account?}`). An alias belongs to its master account; its `id` shares the account-id
 * namespace.
 */
export function registerAliasService(table: SimHandlerTable, sys: SimSystem): void {
  const { store } = sys;
  const owned = store.owned;

  table.set('Account/add_alias', (ctx, params) => {
    noAccountRealm(ctx, 'Account/add_alias');
    const info = reqObject(params, 'alias_info');
    const master = findAccount(sys, ctx, { i_account: reqInt(info, 'i_master_account') });
    const id = optString(info, 'id');
    if (id === undefined || id.trim() === '') throw simFault('validation', 'alias_info.id is required');
    if (id.length > 128) throw simFault('validation', 'alias_info.id is longer than 128 characters');
    const blocked = optString(info, 'blocked') ?? 'N';
    if (blocked !== 'Y' && blocked !== 'N') throw simFault('validation', `alias_info.blocked must be "Y" or "N", got ${JSON.stringify(blocked)}`);
    if (owned.aliasById(id) || store.accountByKey('id', id) || store.accountByKey('login', id)) {
      throw simFault('duplicateAccount', `An account or alias with id "${id}" already exists`);
    }
    const fields: JsonObject = { i_master_account: master.i_account, id, blocked };
    guardWrite(sys, 'Account/add_alias', master.i_customer, master.i_account, fields);
    const i_alias = owned.allocate('alias');
    owned.putAlias({ i_alias, i_master_account: master.i_account, id, blocked }, master.i_customer);
    logWrite(sys, 'Account/add_alias', master.i_customer, master.i_account, { i_alias, ...fields });
    return { i_alias };
  });

  table.set('Account/get_alias_list', (ctx, params) => {
    // An account session without params means its own aliases (WebTrit's client sends `{}`).
    const given = optInt(params, 'i_master_account');
    const master = findAccount(sys, ctx, given === undefined ? params : { i_account: given });
    return { alias_list: owned.aliasesOf(master.i_customer, master.i_account) };
  });

  table.set('Account/delete_alias', (ctx, params) => {
    noAccountRealm(ctx, 'Account/delete_alias');
    const info = reqObject(params, 'alias_info');
    const byId = optInt(info, 'i_alias') ?? optInt(params, 'i_alias');
    const aliasId = optString(info, 'id');
    const masterGiven = optInt(info, 'i_master_account');
    let alias: JsonObject | undefined;
    if (byId !== undefined) {
      findOwned(sys, ctx, ['alias'], byId, 'i_alias', 'aliasNotFound');
      alias = owned.getAlias(byId);
    } else if (aliasId !== undefined) {
      alias = owned.aliasById(aliasId);
    } else {
      throw simFault('validation', 'alias_info.i_alias or alias_info.id is required');
    }
    const what = byId !== undefined ? `i_alias ${byId}` : `id "${aliasId ?? ''}"`;
    if (!alias || typeof alias.i_master_account !== 'number' || (masterGiven !== undefined && masterGiven !== alias.i_master_account)) {
      throw simFault('aliasNotFound', `Alias not found: ${what}`);
    }
    let master;
    try {
      master = findAccount(sys, ctx, { i_account: alias.i_master_account });
    } catch {
      throw simFault('aliasNotFound', `Alias not found: ${what}`);
    }
    const fields: JsonObject = { i_alias: alias.i_alias ?? null, i_master_account: master.i_account, id: alias.id ?? null };
    guardWrite(sys, 'Account/delete_alias', master.i_customer, master.i_account, fields);
    owned.deleteAlias(alias);
    logWrite(sys, 'Account/delete_alias', master.i_customer, master.i_account, fields);
    return { success: 1 };
  });
}
