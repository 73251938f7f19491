import type { JsonObject } from '../../core/api-call.ts';
import type { FieldKind } from '../model/records.ts';
import type { SimHandlerTable, SimSystem } from './sim-context.ts';
import { collectPage, findCustomer, guardWrite, logWrite } from './locate.ts';
import { findOwned } from './owned-locate.ts';
import { paging, reqInt, reqObject } from './params.ts';
import { validatePatch } from './record-patch.ts';
import { isStaff } from './scope.ts';
import { simFault } from './sim-faults.ts';

const UA_WRITABLE: Readonly<Record<string, FieldKind>> = { name: 'string', description: 'string', inventory_id: 'string', ascii_key: 'string' };

/**
 * User agents (the customer's IP phones and gateways in the inventory): `UA/get_ua_list`
 * (`i_customer`), `UA/get_ua_info` (`i_ua` → `ua_info`, whose `i_customer` names the owner) and
 * `UA/update_ua` (`ua_info: {i_ua, name?, description?, inventory_id?, ascii_key?}`).
 */
export function registerUaService(table: SimHandlerTable, sys: SimSystem): void {
  const owned = sys.store.owned;

  table.set('UA/get_ua_list', (ctx, params) => {
    const { limit, offset, getTotal } = paging(params);
    const c = findCustomer(sys, ctx, params);
    const { rows, total } = collectPage(owned.uasOf(c.i_customer), () => true, offset, limit ?? Number.MAX_SAFE_INTEGER, getTotal);
    const out: JsonObject = { ua_list: rows };
    if (getTotal) out.total = total;
    return out;
  });

  table.set('UA/get_ua_info', (ctx, params) => {
    const id = reqInt(params, 'i_ua');
    findOwned(sys, ctx, ['ua'], id, 'i_ua', 'uaNotFound');
    const ua = owned.getUa(id);
    if (!ua) throw simFault('uaNotFound', `Not found: i_ua ${id}`);
    return { ua_info: ua };
  });

  table.set('UA/update_ua', (ctx, params) => {
    if (!isStaff(ctx.user)) throw simFault('permissionDenied', `The ${ctx.realm} realm cannot call UA/update_ua`);
    const info = reqObject(params, 'ua_info');
    const id = reqInt(info, 'i_ua');
    const { customer } = findOwned(sys, ctx, ['ua'], id, 'i_ua', 'uaNotFound');
    const ua = owned.getUa(id);
    if (!ua || !customer) throw simFault('uaNotFound', `Not found: i_ua ${id}`);
    const patch = validatePatch(info, UA_WRITABLE);
    const fields = { i_ua: id, ...patch };
    guardWrite(sys, 'UA/update_ua', customer.i_customer, undefined, fields);
    owned.putUa({ ...ua, ...patch });
    logWrite(sys, 'UA/update_ua', customer.i_customer, undefined, fields);
    return { i_ua: id };
  });
}
