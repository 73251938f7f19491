import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../../core/api-call.ts';
import { CUSTOMER_WRITABLE, OFFICE_TYPE, type SimCustomer } from '../model/records.ts';
import { formatPortaTime, parsePortaTime } from '../model/porta-time.ts';
import type { SimCallContext, SimHandlerTable, SimSystem } from './sim-context.ts';
import { collectPage, findCustomer, guardWrite, logWrite } from './locate.ts';
import { likeMatcher, optFlag, optInt, optString, paging, reqObject } from './params.ts';
import { customerView } from './record-views.ts';
import { validatePatch } from './record-patch.ts';
import { canSeeCustomer, isStaff } from './scope.ts';
import { simFault } from './sim-faults.ts';

/** Rows returned when a list call gives no `limit` (keeps a 1,000,000-customer system answerable). */
export const DEFAULT_LIST_CAP = 10_000;

function checkReferences(sys: SimSystem, patch: JsonObject): void {
  const cls = patch.i_customer_class;
  if (typeof cls === 'number' && !sys.store.config.customerClasses.has(cls)) {
    throw simFault('validation', `i_customer_class ${cls} does not exist`);
  }
  const dp = patch.i_discount_plan;
  if (typeof dp === 'number' && !sys.store.config.discountPlans.has(dp)) {
    throw simFault('validation', `i_discount_plan ${dp} does not exist`);
  }
  const type = patch.i_office_type;
  if (typeof type === 'number' && !(Object.values(OFFICE_TYPE) as number[]).includes(type)) {
    throw simFault('validation', `i_office_type must be 1 (none), 2 (branch office) or 3 (main office), got ${type}`);
  }
  const main = patch.i_main_office;
  if (typeof main === 'number' && !sys.store.getCustomer(main)) {
    throw simFault('validation', `i_main_office ${main} does not exist`);
  }
}

function checkUnique(sys: SimSystem, patch: JsonObject, self: number | undefined): void {
  const s = sys.store;
  const clash = (c: SimCustomer | undefined): boolean => c !== undefined && c.i_customer !== self;
  if (typeof patch.login === 'string' && clash(s.customerByLogin(patch.login))) {
    throw simFault('duplicateCustomer', `A customer with login "${patch.login}" already exists`);
  }
  if (typeof patch.name === 'string' && clash(s.customerByName(patch.name))) {
    throw simFault('duplicateCustomer', `A customer with name "${patch.name}" already exists`);
  }
  if (typeof patch.refnum === 'string' && patch.refnum !== '' && clash(s.customerByRefnum(patch.refnum))) {
    throw simFault('duplicateCustomer', `A customer with refnum "${patch.refnum}" already exists`);
  }
}

function xdrRange(params: JsonObject): { from: number; to: number } {
  const f = optString(params, 'from_date');
  const t = optString(params, 'to_date');
  const from = f === undefined ? -Infinity : parsePortaTime(f);
  const to = t === undefined ? Infinity : parsePortaTime(t);
  if (from === undefined) throw simFault('validation', `Parameter from_date is not a date: ${JSON.stringify(f)}`);
  if (to === undefined) throw simFault('validation', `Parameter to_date is not a date: ${JSON.stringify(t)}`);
  return { from, to };
}

/** Filters an xDR list by connect_time and pages it (newest first, as stored). */
export function pageXdrs(xdrs: JsonObject[], params: JsonObject): JsonObject {
  const { from, to } = xdrRange(params);
  const { limit, offset, getTotal } = paging(params);
  const inRange = xdrs.filter((x) => {
    const t = typeof x.connect_time === 'string' ? parsePortaTime(x.connect_time) : undefined;
    return t !== undefined && t >= from && t <= to;
  });
  const out: JsonObject = { xdr_list: inRange.slice(offset, limit === undefined ? undefined : offset + limit) };
  if (getTotal) out.total = inRange.length;
  return out;
}

export function registerCustomerService(table: SimHandlerTable, sys: SimSystem): void {
  const { store } = sys;
  const view = (ctx: SimCallContext, c: SimCustomer): JsonObject => customerView(c, store, sys.env, ctx.user);

  table.set('Customer/get_customer_info', (ctx, params) => ({ customer_info: view(ctx, findCustomer(sys, ctx, params)) }));

  table.set('Customer/get_customer_list', (ctx, params) => {
    const { limit, offset, getTotal } = paging(params);
    const login = optString(params, 'login');
    const name = optString(params, 'name');
    const iParent = optInt(params, 'i_parent');
    const iClass = optInt(params, 'i_customer_class');
    // PortaBilling's customer_info field is i_main_office; WebTrit's client sends i_main_customer.
    const iMainOffice = optInt(params, 'i_main_office') ?? optInt(params, 'i_main_customer');
    const iOfficeType = optInt(params, 'i_office_type');
    const skipExported = optFlag(params, 'skip_exported') ?? false;
    const cap = limit ?? DEFAULT_LIST_CAP;
    if (ctx.user.realm === 'account') return { customer_list: [], ...(getTotal ? { total: 0 } : {}) };
    const filtered = login !== undefined || name !== undefined || iParent !== undefined || iClass !== undefined
      || iMainOffice !== undefined || iOfficeType !== undefined || skipExported || ctx.user.realm !== 'admin';
    let rows: SimCustomer[];
    let total: number;
    const onlySkipExported = skipExported && ctx.user.realm === 'admin' && login === undefined && name === undefined
      && iParent === undefined && iClass === undefined && iMainOffice === undefined && iOfficeType === undefined;
    if (onlySkipExported) {
      // The dispatcher asks every merged list with skip_exported: keep it as fast as an unfiltered page.
      const page = store.customerPageSkippingMoved(offset, cap);
      rows = page.ids.map((id) => store.getCustomer(id)).filter((c): c is SimCustomer => c !== undefined);
      total = page.total;
    } else if (!filtered) {
      rows = [];
      for (const id of store.customerIdsFrom(offset)) {
        if (rows.length >= cap) break;
        const c = store.getCustomer(id);
        if (c) rows.push(c);
      }
      total = store.customerTotal();
    } else {
      const loginMatch = login === undefined ? undefined : likeMatcher(login);
      const nameMatch = name === undefined ? undefined : likeMatcher(name);
      // Ascending i_customer in every case: clients page with limit/offset and rely on a stable order.
      const ids: Iterable<number> = ctx.user.realm === 'customer' ? [ctx.user.i_customer] : store.customerIds();
      const customers = (function* () {
        for (const id of ids) {
          const c = store.getCustomer(id);
          if (c) yield c;
        }
      })();
      ({ rows, total } = collectPage(customers, (c) =>
        canSeeCustomer(ctx.user, c)
        && (loginMatch === undefined || loginMatch(c.login))
        && (nameMatch === undefined || nameMatch(c.name))
        && (iParent === undefined || c.i_parent === iParent)
        && (iClass === undefined || c.i_customer_class === iClass)
        && (iMainOffice === undefined || c.i_main_office === iMainOffice)
        && (iOfficeType === undefined || c.i_office_type === iOfficeType)
        && (!skipExported || store.movedMark(c.i_customer) === undefined), offset, cap, getTotal));
    }
    const out: JsonObject = { customer_list: rows.map((c) => view(ctx, c)) };
    if (getTotal) out.total = total;
    return out;
  });

  table.set('Customer/add_customer', (ctx, params) => {
    if (!isStaff(ctx.user)) throw simFault('permissionDenied', `The ${ctx.realm} realm cannot add customers`);
    const info = reqObject(params, 'customer_info');
    const patch = validatePatch(info, CUSTOMER_WRITABLE);
    if (typeof patch.name !== 'string' || patch.name === '') throw simFault('validation', 'customer_info.name is required');
    if (ctx.user.realm === 'reseller') patch.i_parent = ctx.user.i_customer;
    checkReferences(sys, patch);
    checkUnique(sys, patch, undefined);
    const i_customer = store.allocateCustomerId();
    const c: SimCustomer = {
      i_customer,
      login: `cust${i_customer}`,
      password: randomBytes(6).toString('hex'),
      name: '',
      companyname: '',
      firstname: '',
      lastname: '',
      email: '',
      notes: '',
      balance: 0,
      credit_limit: null,
      iso_4217: 'USD',
      bill_status: 'O',
      blocked: 'N',
      i_customer_class: 1,
      i_customer_type: 1,
      i_parent: null,
      i_discount_plan: null,
      refnum: '',
      creation_date: formatPortaTime(Date.now()),
      i_office_type: OFFICE_TYPE.none,
      i_main_office: null,
      ...(patch as Partial<SimCustomer>),
    };
    store.putCustomer(c);
    logWrite(sys, 'Customer/add_customer', i_customer, undefined, patch);
    return { i_customer };
  });

  table.set('Customer/update_customer', (ctx, params) => {
    const info = reqObject(params, 'customer_info');
    const id = optInt(info, 'i_customer');
    if (id === undefined) throw simFault('validation', 'customer_info.i_customer is required');
    const c = findCustomer(sys, ctx, { i_customer: id });
    const patch = validatePatch(info, CUSTOMER_WRITABLE);
    if (ctx.user.realm === 'reseller' && 'i_parent' in patch && patch.i_parent !== ctx.user.i_customer) {
      throw simFault('permissionDenied', 'A reseller cannot move a customer to another parent');
    }
    if (!isStaff(ctx.user)) {
      for (const f of ['i_parent', 'i_customer_class', 'i_discount_plan', 'credit_limit', 'bill_status', 'blocked', 'i_office_type', 'i_main_office']) {
        if (f in patch) throw simFault('permissionDenied', `The ${ctx.realm} realm cannot change ${f}`);
      }
    }
    checkReferences(sys, patch);
    checkUnique(sys, patch, c.i_customer);
    guardWrite(sys, 'Customer/update_customer', c.i_customer, undefined, patch);
    store.putCustomer({ ...c, ...(patch as Partial<SimCustomer>) });
    logWrite(sys, 'Customer/update_customer', c.i_customer, undefined, patch);
    return { i_customer: c.i_customer };
  });

  table.set('Customer/get_customer_xdrs', (ctx, params) => {
    const c = findCustomer(sys, ctx, params);
    const all: JsonObject[] = [];
    for (const id of store.accountIdsOf(c.i_customer)) {
      const a = store.getAccount(id);
      if (a) all.push(...store.xdrsOf(a));
    }
    all.sort((x, y) => String(y.connect_time).localeCompare(String(x.connect_time)));
    return pageXdrs(all, params);
  });
}
