import type { JsonObject } from '../../core/api-call.ts';
import type { SimCallContext, SimHandlerTable, SimSystem } from './sim-context.ts';
import { guardWrite, logWrite } from './locate.ts';
import { optString } from './params.ts';
import { canSeeAccount, canSeeCustomer, isStaff } from './scope.ts';
import { simFault } from './sim-faults.ts';

interface OtpTarget {
  sendTo: 'account' | 'customer';
  id: string;
  iCustomer: number;
  iAccount?: number;
}

/**
 * `AccessControl/create_otp` (`send_to: "account"|"customer"`, `id`, `notification_type?`,
 * `operation?`) and `AccessControl/verify_otp` (same plus `otp_token`). `id` is the account's
 * `id` (or login) or the customer's login (or name). Both are writes of that customer.
 */
export function registerAccessControlService(table: SimHandlerTable, sys: SimSystem): void {
  const { store } = sys;
  const target = (ctx: SimCallContext, params: JsonObject, method: string): OtpTarget => {
    if (!isStaff(ctx.user)) throw simFault('permissionDenied', `The ${ctx.realm} realm cannot call ${method}`);
    const sendTo = optString(params, 'send_to') ?? 'account';
    const id = optString(params, 'id');
    if (id === undefined || id === '') throw simFault('validation', 'Parameter id is required');
    if (sendTo === 'account') {
      const a = store.accountByKey('id', id) ?? store.accountByKey('login', id);
      if (!a || !canSeeAccount(ctx.user, a, store)) throw simFault('accountNotFound', `Account not found: id "${id}"`);
      return { sendTo, id, iCustomer: a.i_customer, iAccount: a.i_account };
    }
    if (sendTo === 'customer') {
      const c = store.customerByLogin(id) ?? store.customerByName(id);
      if (!c || !canSeeCustomer(ctx.user, c)) throw simFault('customerNotFound', `Customer not found: login "${id}"`);
      return { sendTo, id, iCustomer: c.i_customer };
    }
    throw simFault('validation', `Parameter send_to must be "account" or "customer", got ${JSON.stringify(sendTo)}`);
  };

  table.set('AccessControl/create_otp', (ctx, params) => {
    const t = target(ctx, params, 'AccessControl/create_otp');
    const notification = optString(params, 'notification_type') ?? 'mail';
    if (notification !== 'mail' && notification !== 'sms') throw simFault('validation', `Parameter notification_type must be "mail" or "sms", got ${JSON.stringify(notification)}`);
    const fields: JsonObject = { send_to: t.sendTo, id: t.id, notification_type: notification, operation: optString(params, 'operation') ?? null };
    guardWrite(sys, 'AccessControl/create_otp', t.iCustomer, t.iAccount, fields);
    sys.otps.create(t.sendTo, t.id, t.iCustomer);
    logWrite(sys, 'AccessControl/create_otp', t.iCustomer, t.iAccount, fields);
    return { success: 1 };
  });

  table.set('AccessControl/verify_otp', (ctx, params) => {
    const t = target(ctx, params, 'AccessControl/verify_otp');
    const token = optString(params, 'otp_token') ?? optString(params, 'otp');
    if (token === undefined) throw simFault('validation', 'Parameter otp_token is required');
    const fields: JsonObject = { send_to: t.sendTo, id: t.id };
    guardWrite(sys, 'AccessControl/verify_otp', t.iCustomer, t.iAccount, fields);
    if (!sys.otps.verify(t.sendTo, t.id, token)) throw simFault('otpInvalid', `The one-time password for ${t.sendTo} "${t.id}" is wrong or expired`);
    logWrite(sys, 'AccessControl/verify_otp', t.iCustomer, t.iAccount, fields);
    return { success: 1 };
  });
}
