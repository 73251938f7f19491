import type { JsonObject } from '../../core/api-call.ts';
import type { OtpTarget } from '../model/otp-box.ts';
import type { SimCallContext, SimHandlerTable, SimSystem } from './sim-context.ts';
import { guardWrite, logWrite } from './locate.ts';
import { optString } from './params.ts';
import { canSeeAccount, canSeeCustomer, isStaff } from './scope.ts';
import { simFault } from './sim-faults.ts';

/** The session an OTP belongs to: the API session, or the user of a one-shot (auth_info login) call. */
function sessionKey(ctx: SimCallContext): string {
  return ctx.sessionId ?? `user:${ctx.realm}:${ctx.user.login}`;
}

/**
 * `AccessControl/create_otp` (`send_to: "account"|"customer"`, `id` = the i_account / i_customer,
 * `notification_type: mail|sms`, `operation`, as WebTrit's PortaSwitch adapter sends it) and
 * `AccessControl/verify_otp` (`one_time_password`, `operation`): the code is checked among the OTPs
 * the calling session created, as PortaBilling does. Both are writes of the recipient's customer.
 */
export function registerAccessControlService(table: SimHandlerTable, sys: SimSystem): void {
  const { store } = sys;
  const staffOnly = (ctx: SimCallContext, method: string): void => {
    if (!isStaff(ctx.user)) throw simFault('permissionDenied', `The ${ctx.realm} realm cannot call ${method}`);
  };
  const recipient = (ctx: SimCallContext, params: JsonObject): OtpTarget => {
    const sendTo = optString(params, 'send_to') ?? 'account';
    const id = optString(params, 'id');
    if (id === undefined || id === '') throw simFault('validation', 'Parameter id is required (the i_account or i_customer to send the OTP to)');
    const numeric = /^\d{1,15}$/.test(id) ? Number(id) : undefined;
    if (sendTo === 'account') {
      // PortaBilling takes the i_account; an account id or login is accepted as well.
      const a = (numeric === undefined ? undefined : store.getAccount(numeric)) ?? store.accountByKey('id', id) ?? store.accountByKey('login', id);
      if (!a || !canSeeAccount(ctx.user, a, store)) throw simFault('accountNotFound', `Account not found: id ${JSON.stringify(id)}`);
      return { sendTo, iCustomer: a.i_customer, iAccount: a.i_account };
    }
    if (sendTo === 'customer') {
      const c = (numeric === undefined ? undefined : store.getCustomer(numeric)) ?? store.customerByLogin(id);
      if (!c || !canSeeCustomer(ctx.user, c)) throw simFault('customerNotFound', `Customer not found: id ${JSON.stringify(id)}`);
      return { sendTo, iCustomer: c.i_customer };
    }
    throw simFault('validation', `Parameter send_to must be "account" or "customer", got ${JSON.stringify(sendTo)}`);
  };

  table.set('AccessControl/create_otp', (ctx, params) => {
    staffOnly(ctx, 'AccessControl/create_otp');
    const t = recipient(ctx, params);
    const notification = optString(params, 'notification_type') ?? 'mail';
    if (notification !== 'mail' && notification !== 'sms') throw simFault('validation', `Parameter notification_type must be "mail" or "sms", got ${JSON.stringify(notification)}`);
    const operation = optString(params, 'operation') ?? 'General';
    const fields: JsonObject = { send_to: t.sendTo, id: t.sendTo === 'account' ? t.iAccount ?? null : t.iCustomer, notification_type: notification, operation };
    guardWrite(sys, 'AccessControl/create_otp', t.iCustomer, t.iAccount, fields);
    sys.otps.create(sessionKey(ctx), t, operation);
    logWrite(sys, 'AccessControl/create_otp', t.iCustomer, t.iAccount, fields);
    return { success: 1 };
  });

  table.set('AccessControl/verify_otp', (ctx, params) => {
    staffOnly(ctx, 'AccessControl/verify_otp');
    const token = optString(params, 'one_time_password');
    if (token === undefined || token === '') throw simFault('validation', 'Parameter one_time_password is required');
    const operation = optString(params, 'operation');
    const key = sessionKey(ctx);
    const t = sys.otps.find(key, token, operation);
    if (!t) {
      sys.otps.consume(key, token, operation); // counts the miss
      throw simFault('otpInvalid', 'The one-time password is wrong, expired, or was not created by this session');
    }
    guardWrite(sys, 'AccessControl/verify_otp', t.iCustomer, t.iAccount, { operation: operation ?? null });
    sys.otps.consume(key, token, operation);
    logWrite(sys, 'AccessControl/verify_otp', t.iCustomer, t.iAccount, { operation: operation ?? null });
    return { success: 1 };
  });
}
