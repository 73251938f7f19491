import type { ApiCall, JsonObject, JsonValue } from '../core/api-call.ts';
import type { Locator } from '../core/location.ts';
import { dispatcherFault } from '../core/faults.ts';

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
  const params = call.params;
  idsIn(params, 'params', call, out);
  for (const key of NESTED) {
    const nested = params[key];
    if (nested !== null && typeof nested === 'object' && !Array.isArray(nested)) idsIn(nested, `params.${key}`, call, out);
  }
  if (out.length > 0 || !call.method.startsWith('get_')) return out;
  const keys = call.service === 'Customer' ? CUSTOMER_KEYS : call.service === 'Account' ? ACCOUNT_KEYS : [];
  for (const [field, key] of keys) {
    const v = asKey(params[field]);
    if (v !== undefined && !out.some((l) => l.kind === 'key' && l.key === key && l.value === v)) out.push({ kind: 'key', key, value: v });
  }
  return out;
}

const CUSTOMER_KEYS = [['login', 'customer-login'], ['name', 'customer-name'], ['refnum', 'customer-refnum']] as const;
const ACCOUNT_KEYS = [['id', 'account-id'], ['login', 'account-login']] as const;

/** Adds the i_customer / i_account a scope names, each record once (no closure or Set per call). */
function idsIn(scope: JsonObject, where: string, call: ApiCall, out: Locator[]): void {
  if (scope.i_customer !== undefined) {
    const ic = asId(scope.i_customer, `${where}.i_customer`, call);
    if (ic !== undefined && !out.some((l) => l.kind === 'customer' && l.iCustomer === ic)) out.push({ kind: 'customer', iCustomer: ic });
  }
  if (scope.i_account !== undefined) {
    const ia = asId(scope.i_account, `${where}.i_account`, call);
    if (ia !== undefined && !out.some((l) => l.kind === 'account' && l.iAccount === ia)) out.push({ kind: 'account', iAccount: ia });
  }
}

/** The i_env a call names (params first, then auth_info), if any. */
export function findEnv(call: ApiCall): number | undefined {
  for (const v of [call.params.i_env, call.authInfo.i_env]) {
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && /^\d{1,9}$/.test(v)) return Number(v);
  }
  return undefined;
}
