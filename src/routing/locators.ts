import type { ApiCall, JsonObject, JsonValue } from './api-call.ts';
import type { Locator } from './location.ts';
import { dispatcherFault } from '../edge/faults.ts';

/** Where PortaBilling methods nest the record they act on. */
const NESTED = ['customer_info', 'account_info'] as const;

function asId(v: JsonValue | undefined, field: string, call: ApiCall): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  if (typeof v === 'string' && /^[1-9]\d{0,15}$/.test(v)) return Number(v);
  throw dispatcherFault('badRequest', `Cannot route ${call.service}/${call.method}: ${field} ${JSON.stringify(v)} is not a positive integer`);
}

function asKey(v: JsonValue | undefined): string | undefined {
  if (typeof v === 'string' && v !== '' && v.length <= 256 && !v.includes('%')) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return undefined;
}

/**
 * The records a call's params name (SPEC §4.2 rule 5): `i_customer`, `i_account` at the top of
 * params or inside `customer_info` / `account_info`; for lookups (`get_*`), customer
 * `login`/`name`/`refnum` on the Customer service and account `id`/`login` on the Account service.
 * Keys are ignored when an id is present: the id is authoritative.
 */
export function findLocators(call: ApiCall): Locator[] {
  const out: Locator[] = [];
  const seen = new Set<string>();
  const add = (l: Locator, k: string) => {
    if (!seen.has(k)) {
      seen.add(k);
      out.push(l);
    }
  };
  const scopes: Array<[string, JsonObject]> = [['params', call.params]];
  for (const key of NESTED) {
    const nested = call.params[key];
    if (nested !== null && typeof nested === 'object' && !Array.isArray(nested)) scopes.push([`params.${key}`, nested]);
  }
  for (const [where, scope] of scopes) {
    const ic = asId(scope.i_customer, `${where}.i_customer`, call);
    if (ic !== undefined) add({ kind: 'customer', iCustomer: ic }, `c${ic}`);
    const ia = asId(scope.i_account, `${where}.i_account`, call);
    if (ia !== undefined) add({ kind: 'account', iAccount: ia }, `a${ia}`);
  }
  if (out.length > 0 || !call.method.startsWith('get_')) return out;
  const p = call.params;
  if (call.service === 'Customer') {
    for (const [field, key] of [['login', 'customer-login'], ['name', 'customer-name'], ['refnum', 'customer-refnum']] as const) {
      const v = asKey(p[field]);
      if (v !== undefined) add({ kind: 'key', key, value: v }, `${key}:${v}`);
    }
  } else if (call.service === 'Account') {
    for (const [field, key] of [['id', 'account-id'], ['login', 'account-login']] as const) {
      const v = asKey(p[field]);
      if (v !== undefined) add({ kind: 'key', key, value: v }, `${key}:${v}`);
    }
  }
  return out;
}

/** The i_env a call names (params first, then auth_info), if any. */
export function findEnv(call: ApiCall): number | undefined {
  for (const v of [call.params.i_env, call.authInfo.i_env]) {
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && /^\d{1,9}$/.test(v)) return Number(v);
  }
  return undefined;
}
