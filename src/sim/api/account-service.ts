import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../../core/api-call.ts';
import { ACCOUNT_WRITABLE, type SimAccount } from '../model/records.ts';
import { formatPortaTime } from '../model/porta-time.ts';
import type { SimCallContext, SimHandlerTable, SimSystem } from './sim-context.ts';
import { collectPage, findAccount, findCustomer, guardWrite, logWrite } from './locate.ts';
import { optInt, paging, reqObject } from './params.ts';
import { accountView } from './record-views.ts';
import { validatePatch } from './record-patch.ts';
import { canSeeAccount } from './scope.ts';
import { simFault } from './sim-faults.ts';
import { DEFAULT_LIST_CAP, pageXdrs } from './customer-service.ts';

function checkAccountPatch(sys: SimSystem, patch: JsonObject, self: number | undefined): void {
  const p = patch.i_product;
  if (typeof p === 'number' && !sys.store.config.products.has(p)) throw simFault('validation', `i_product ${p} does not exist`);
  for (const kind of ['id', 'login'] as const) {
    const v = patch[kind];
    if (typeof v !== 'string') continue;
    if (v === '') throw simFault('validation', `account_info.${kind} cannot be empty`);
    const other = sys.store.accountByKey('id', v) ?? sys.store.accountByKey('login', v);
    if (other && other.i_account !== self) throw simFault('duplicateAccount', `An account with ${kind} "${v}" already exists`);
    // Aliases share the account-id namespace.
    if (sys.store.owned.aliasById(v)) throw simFault('duplicateAccount', `An account alias with id "${v}" already exists`);
  }
}

export function registerAccountService(table: SimHandlerTable, sys: SimSystem): void {
  const { store } = sys;
  const view = (ctx: SimCallContext, a: SimAccount): JsonObject => accountView(a, store, sys.env, ctx.user);

  table.set('Account/get_account_info', (ctx, params) => ({ account_info: view(ctx, findAccount(sys, ctx, params)) }));

  table.set('Account/get_account_list', (ctx, params) => {
    const { limit, offset, getTotal } = paging(params);
    const iCustomer = optInt(params, 'i_customer');
    let ids: Iterable<number>;
    if (ctx.user.realm === 'account') ids = [ctx.user.i_account];
    else if (iCustomer !== undefined || ctx.user.realm === 'customer') ids = store.accountIdsOf(findCustomer(sys, ctx, params).i_customer);
    else ids = store.accountIds();
    const accounts = (function* () {
      for (const id of ids) {
        const a = store.getAccount(id);
        if (a) yield a;
      }
    })();
    const { rows, total } = collectPage(accounts, (a) => canSeeAccount(ctx.user, a, store), offset, limit ?? DEFAULT_LIST_CAP, getTotal);
    const out: JsonObject = { account_list: rows.map((a) => view(ctx, a)) };
    if (getTotal) out.total = total;
    return out;
  });

  table.set('Account/add_account', (ctx, params) => {
    if (ctx.user.realm === 'account') throw simFault('permissionDenied', 'The account realm cannot add accounts');
    const info = reqObject(params, 'account_info');
    const iCustomer = optInt(info, 'i_customer') ?? (ctx.user.realm === 'customer' ? ctx.user.i_customer : undefined);
    if (iCustomer === undefined) throw simFault('validation', 'account_info.i_customer is required');
    const owner = findCustomer(sys, ctx, { i_customer: iCustomer });
    const patch = validatePatch(info, ACCOUNT_WRITABLE);
    if (typeof patch.id !== 'string') throw simFault('validation', 'account_info.id is required');
    if (patch.login === undefined) patch.login = patch.id;
    checkAccountPatch(sys, patch, undefined);
    guardWrite(sys, 'Account/add_account', owner.i_customer, undefined, patch);
    const i_account = store.allocateAccountId();
    const a: SimAccount = {
      i_account,
      id: '',
      login: '',
      password: randomBytes(6).toString('hex'),
      i_customer: owner.i_customer,
      balance: 0,
      credit_limit: null,
      billing_model: 1,
      is_active: 1,
      blocked: 'N',
      i_product: 1,
      email: '',
      note: '',
      iso_4217: owner.iso_4217,
      activation_date: formatPortaTime(Date.now()).slice(0, 10),
      ...(patch as Partial<SimAccount>),
    };
    store.putAccount(a);
    logWrite(sys, 'Account/add_account', owner.i_customer, i_account, patch);
    return { i_account };
  });

  table.set('Account/update_account', (ctx, params) => {
    const info = reqObject(params, 'account_info');
    const id = optInt(info, 'i_account');
    if (id === undefined) throw simFault('validation', 'account_info.i_account is required');
    const a = findAccount(sys, ctx, { i_account: id });
    const patch = validatePatch(info, ACCOUNT_WRITABLE);
    if (ctx.user.realm === 'customer' || ctx.user.realm === 'account') {
      for (const f of ['i_product', 'billing_model', 'credit_limit', 'is_active', 'blocked', 'id']) {
        if (f in patch) throw simFault('permissionDenied', `The ${ctx.realm} realm cannot change ${f}`);
      }
    }
    checkAccountPatch(sys, patch, a.i_account);
    guardWrite(sys, 'Account/update_account', a.i_customer, a.i_account, patch);
    store.putAccount({ ...a, ...(patch as Partial<SimAccount>) });
    logWrite(sys, 'Account/update_account', a.i_customer, a.i_account, patch);
    return { i_account: a.i_account };
  });

  table.set('Account/get_xdr_list', (ctx, params) => pageXdrs(store.xdrsOf(findAccount(sys, ctx, params)), params));
}
