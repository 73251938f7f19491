import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { route } from './router.ts';
import { findEnv, findLocators } from './locators.ts';
import type { ApiCall, JsonObject, Realm } from '../core/api-call.ts';
import type { Location, Locator } from '../core/location.ts';
import type { Plan } from './plan.ts';
import type { RouteInput, RouteSession, RouterConfig } from './route-input.ts';
import { ApiFault, DispatcherFaultCode, PortaFaultCode } from '../core/faults.ts';

const CONFIG: RouterConfig = {
  envs: { source: 3, target: 8 },
  listMerge: new Set(['Customer/get_customer_list', 'Account/get_account_list']),
  broadcastServices: new Set(['Voicemail', 'AutoAttendant']),
  paging: 'per-system',
  unroutableWrites: 'context',
};

function apiCall(serviceMethod: string, params: JsonObject = {}, extra: Partial<ApiCall> = {}): ApiCall {
  const [service, method] = serviceMethod.split('/') as [string, string];
  return {
    realm: 'admin', service, method, params, authInfo: {}, credentials: { accessToken: 'x' },
    style: 'json', portasip: false, clientIp: '127.0.0.1', requestId: 'r1', ...extra,
  };
}

const ADMIN: RouteSession = { realm: 'admin', context: 'source', available: ['source', 'target'] };
const ADMIN_IN_TARGET: RouteSession = { ...ADMIN, context: 'target' };
const ADMIN_SOURCE_ONLY: RouteSession = { ...ADMIN, available: ['source'] };
const RETAIL: RouteSession = { realm: 'customer', context: 'source', pinned: 'source', iCustomer: 1, available: ['source'] };
const RETAIL_NO_ID: RouteSession = { realm: 'account', context: 'target', pinned: 'target', available: ['target'] };

const at = (system: 'source' | 'target', iCustomer?: number, state: 'active' | 'moving' = 'active'): Location =>
  iCustomer === undefined ? { system, state, resolvedBy: 'directory' } : { system, state, iCustomer, resolvedBy: 'directory' };
const cust = (iCustomer: number): Locator => ({ kind: 'customer', iCustomer });
const acct = (iAccount: number): Locator => ({ kind: 'account', iAccount });
const key = (value: string): Locator => ({ kind: 'key', key: 'customer-login', value });

interface Row {
  name: string;
  call: ApiCall;
  session?: RouteSession;
  locations?: RouteInput['locations'];
  retailLocation?: Location;
  env?: number;
  config?: Partial<RouterConfig>;
  /** The plan, or for a refusal the fault code it must carry. */
  expect: Plan | { refuse: string };
}

const ROWS: Row[] = [
  // Rule 1: Session/* first, whatever else the call carries.
  { name: 'Session/login without a session is the dispatcher\'s own', call: apiCall('Session/login'), expect: { kind: 'session-op', op: 'login' } },
  { name: 'Session/ping of a retail session is not sent to its pinned system', call: apiCall('Session/ping'), session: RETAIL, expect: { kind: 'session-op', op: 'ping' } },
  { name: 'Session/logout with an i_env and a locator is still a session op', call: apiCall('Session/logout', { i_env: 8, i_customer: 2 }), session: ADMIN, locations: [{ locator: cust(2), location: at('target', 2) }], env: 8, expect: { kind: 'session-op', op: 'logout' } },
  { name: 'Session/refresh_access_token is the refresh op', call: apiCall('Session/refresh_access_token'), expect: { kind: 'session-op', op: 'refresh' } },
  { name: 'Session/get_session_context is answered by the dispatcher', call: apiCall('Session/get_session_context'), session: ADMIN, expect: { kind: 'session-op', op: 'get-context' } },
  { name: 'Session/set_session_context is answered by the dispatcher', call: apiCall('Session/set_session_context', { i_env: 8 }), session: ADMIN, env: 8, expect: { kind: 'session-op', op: 'set-context' } },
  { name: 'an unknown Session method is the dispatcher\'s (unknown) op, never forwarded', call: apiCall('Session/frobnicate'), session: ADMIN, expect: { kind: 'session-op', op: 'unknown' } },

  // Rule 2: a retail session reaches its pinned system only.
  { name: 'retail: a plain call goes to the pinned system with the session\'s customer', call: apiCall('Customer/get_customer_info', {}, { realm: 'customer' }), session: RETAIL, retailLocation: at('source', 1), expect: { kind: 'single', system: 'source', rule: 'retail', iCustomer: 1 } },
  { name: 'retail: an i_env of the other system does not switch it', call: apiCall('Customer/get_customer_info', { i_env: 8 }, { realm: 'customer' }), session: RETAIL, retailLocation: at('source', 1), env: 8, expect: { kind: 'single', system: 'source', rule: 'retail', iCustomer: 1 } },
  { name: 'retail: another customer\'s id located on the other system does not move it', call: apiCall('Customer/get_customer_info', { i_customer: 2 }, { realm: 'customer' }), session: RETAIL, retailLocation: at('source', 1), locations: [{ locator: cust(2), location: at('target', 2) }], expect: { kind: 'single', system: 'source', rule: 'retail', iCustomer: 1 } },
  { name: 'retail: ambiguous locators are not even looked at', call: apiCall('Customer/get_customer_info', { i_customer: 2, i_account: 3 }, { realm: 'customer' }), session: RETAIL, retailLocation: at('source', 1), locations: [{ locator: cust(2), location: at('target', 2) }, { locator: acct(3), location: at('source', 3) }], expect: { kind: 'single', system: 'source', rule: 'retail', iCustomer: 1 } },
  { name: 'retail: a merge method is not merged', call: apiCall('Customer/get_customer_list', {}, { realm: 'customer' }), session: RETAIL, retailLocation: at('source', 1), expect: { kind: 'single', system: 'source', rule: 'retail', iCustomer: 1 } },
  { name: 'retail: a PortaSIP call is not broadcast', call: apiCall('Voicemail/get_settings', { i_account: 1 }, { realm: 'account', portasip: true }), session: RETAIL, retailLocation: at('source', 1), expect: { kind: 'single', system: 'source', rule: 'retail', iCustomer: 1 } },
  { name: 'retail: a customer that moved away since login must log in again', call: apiCall('Customer/get_customer_info', {}, { realm: 'customer' }), session: RETAIL, retailLocation: at('target', 1), expect: { refuse: PortaFaultCode.authFailed } },
  { name: 'retail: a customer being moved is held', call: apiCall('Customer/get_customer_info', {}, { realm: 'customer' }), session: RETAIL, retailLocation: at('source', 1, 'moving'), expect: { kind: 'hold', iCustomer: 1 } },
  { name: 'retail: a session without a known customer still goes to its pinned system', call: apiCall('Account/get_account_info', {}, { realm: 'account' }), session: RETAIL_NO_ID, env: 3, expect: { kind: 'single', system: 'target', rule: 'retail' } },

  // Rule 3: PortaSIP broadcast beats merge, locators and i_env.
  { name: 'portasip: a call on the PortaSIP listener goes to both systems despite a locator', call: apiCall('Voicemail/update_settings', { i_account: 2 }, { portasip: true }), session: ADMIN, locations: [{ locator: acct(2), location: at('target', 2) }], expect: { kind: 'broadcast', systems: ['source', 'target'], iCustomer: 2 } },
  { name: 'portasip: a broadcast naming a record of a customer being moved is held', call: apiCall('Voicemail/update_settings', { i_account: 3 }, { portasip: true }), session: ADMIN, locations: [{ locator: acct(3), location: { ...at('source', 1), state: 'moving' } }], expect: { kind: 'hold', iCustomer: 1 } },
  { name: 'portasip: a configured broadcast service on a REST listener is broadcast despite an i_env', call: apiCall('AutoAttendant/get_menu', { i_env: 3 }), session: ADMIN, env: 3, expect: { kind: 'broadcast', systems: ['source', 'target'] } },
  { name: 'portasip: broadcast only to the systems the session holds', call: apiCall('Voicemail/get_settings', { i_account: 1 }, { portasip: true }), session: ADMIN_SOURCE_ONLY, expect: { kind: 'broadcast', systems: ['source'] } },
  { name: 'portasip: a configured merge method on the PortaSIP listener is broadcast, not merged', call: apiCall('Customer/get_customer_list', {}, { portasip: true }), session: ADMIN, expect: { kind: 'broadcast', systems: ['source', 'target'] } },

  // Rule 4: merge for configured list methods, before locators and i_env.
  { name: 'merge: get_customer_list runs on both systems with the configured paging', call: apiCall('Customer/get_customer_list', { limit: 10 }), session: ADMIN, expect: { kind: 'merge', systems: ['source', 'target'], paging: 'per-system' } },
  { name: 'merge: exact paging comes from the config', call: apiCall('Customer/get_customer_list', { limit: 10 }), session: ADMIN, config: { paging: 'exact' }, expect: { kind: 'merge', systems: ['source', 'target'], paging: 'exact' } },
  { name: 'merge: a configured list method with an i_customer filter is still merged', call: apiCall('Account/get_account_list', { i_customer: 2 }), session: ADMIN, locations: [{ locator: cust(2), location: at('target', 2) }], expect: { kind: 'merge', systems: ['source', 'target'], paging: 'per-system' } },
  { name: 'merge: an i_env does not stop a merge', call: apiCall('Customer/get_customer_list', { i_env: 8 }), session: ADMIN, env: 8, expect: { kind: 'merge', systems: ['source', 'target'], paging: 'per-system' } },
  { name: 'merge: a session with one system merges that one', call: apiCall('Customer/get_customer_list'), session: ADMIN_SOURCE_ONLY, expect: { kind: 'merge', systems: ['source'], paging: 'per-system' } },
  { name: 'merge: a list method that is not configured is not merged', call: apiCall('Invoice/get_invoice_list'), session: ADMIN_IN_TARGET, expect: { kind: 'single', system: 'target', rule: 'context' } },

  // Rule 5: locators.
  { name: 'locator: an i_customer on the target goes there, whatever the context', call: apiCall('Customer/get_customer_info', { i_customer: 2 }), session: ADMIN, locations: [{ locator: cust(2), location: at('target', 2) }], expect: { kind: 'single', system: 'target', rule: 'locator', iCustomer: 2 } },
  { name: 'locator: an i_account goes to its customer\'s location', call: apiCall('Account/get_account_info', { i_account: 5 }), session: ADMIN_IN_TARGET, locations: [{ locator: acct(5), location: at('source', 3) }], expect: { kind: 'single', system: 'source', rule: 'locator', iCustomer: 3 } },
  { name: 'locator: a lookup key goes to its record\'s location', call: apiCall('Customer/get_customer_info', { login: 'john' }), session: ADMIN, locations: [{ locator: key('john'), location: at('target', 1) }], expect: { kind: 'single', system: 'target', rule: 'locator', iCustomer: 1 } },
  { name: 'locator: a location without a known customer is routed without one', call: apiCall('Account/get_account_info', { i_account: 8 }), session: ADMIN, locations: [{ locator: acct(8), location: at('target') }], expect: { kind: 'single', system: 'target', rule: 'locator' } },
  { name: 'locator: a customer being moved holds the call', call: apiCall('Customer/update_customer', { customer_info: { i_customer: 1 } }), session: ADMIN, locations: [{ locator: cust(1), location: at('source', 1, 'moving') }], expect: { kind: 'hold', iCustomer: 1 } },
  { name: 'locator: one of two records being moved holds the call', call: apiCall('Account/get_account_info', { i_customer: 3, i_account: 1 }), session: ADMIN, locations: [{ locator: cust(3), location: at('source', 3) }, { locator: acct(1), location: at('source', 1, 'moving') }], expect: { kind: 'hold', iCustomer: 1 } },
  { name: 'locator: two records on different systems are refused, not guessed', call: apiCall('Account/get_account_info', { i_customer: 2, i_account: 1 }), session: ADMIN, locations: [{ locator: cust(2), location: at('target', 2) }, { locator: acct(1), location: at('source', 1) }], expect: { refuse: DispatcherFaultCode.ambiguousLocation } },
  { name: 'locator: two records on the same system go there', call: apiCall('Account/get_account_info', { i_customer: 2, i_account: 4 }), session: ADMIN, locations: [{ locator: cust(2), location: at('target', 2) }, { locator: acct(4), location: at('target', 2) }], expect: { kind: 'single', system: 'target', rule: 'locator', iCustomer: 2 } },
  { name: 'locator: a locator beats an i_env of the other system (and does not switch context)', call: apiCall('Customer/get_customer_info', { i_customer: 1, i_env: 8 }), session: ADMIN, locations: [{ locator: cust(1), location: at('source', 1) }], env: 8, expect: { kind: 'single', system: 'source', rule: 'locator', iCustomer: 1 } },
  { name: 'locator: an unresolved locator falls through to the i_env switch', call: apiCall('Customer/get_customer_info', { i_customer: 999, i_env: 8 }), session: ADMIN, locations: [{ locator: cust(999), location: undefined }], env: 8, expect: { kind: 'single', system: 'target', rule: 'env-switch', switchContext: true } },
  { name: 'locator: an unresolved locator without i_env runs in the context', call: apiCall('Customer/get_customer_info', { i_customer: 999 }), session: ADMIN_IN_TARGET, locations: [{ locator: cust(999), location: undefined }], expect: { kind: 'single', system: 'target', rule: 'context' } },
  { name: 'locator: one resolved and one unresolved locator go to the resolved one', call: apiCall('Account/get_account_info', { i_customer: 2, i_account: 999 }), session: ADMIN, locations: [{ locator: cust(2), location: at('target', 2) }, { locator: acct(999), location: undefined }], expect: { kind: 'single', system: 'target', rule: 'locator', iCustomer: 2 } },

  // Rule 6: i_env switch.
  { name: 'env: an i_env of the target switches the context there', call: apiCall('Subscription/get_subscription_list', { i_env: 8 }), session: ADMIN, env: 8, expect: { kind: 'single', system: 'target', rule: 'env-switch', switchContext: true } },
  { name: 'env: an i_env of the source switches back', call: apiCall('Product/get_product_list'), session: ADMIN_IN_TARGET, env: 3, expect: { kind: 'single', system: 'source', rule: 'env-switch', switchContext: true } },
  { name: 'env: an i_env of neither system is ignored', call: apiCall('Product/get_product_list', { i_env: 99 }), session: ADMIN_IN_TARGET, env: 99, expect: { kind: 'single', system: 'target', rule: 'context' } },

  // Strict writes (routing.unroutableWrites: refuse), before rule 7.
  { name: 'strict: an admin write naming nothing is refused', call: apiCall('Account/update_account', { account_info: { blocked: 'Y' } }), session: ADMIN, config: { unroutableWrites: 'refuse' }, expect: { refuse: DispatcherFaultCode.unroutableWrite } },
  { name: 'strict: a write naming a record neither system holds is refused', call: apiCall('Invoice/void_invoice', { i_invoice: 5 }), session: ADMIN, locations: [{ locator: { kind: 'owned', owned: 'invoice', id: 5 }, location: undefined }], config: { unroutableWrites: 'refuse' }, expect: { refuse: DispatcherFaultCode.unroutableWrite } },
  { name: 'strict: a reseller write naming nothing is refused', call: apiCall('Account/add_alias', { alias_info: { id: 'a' } }, { realm: 'reseller' }), session: { ...ADMIN, realm: 'reseller' }, config: { unroutableWrites: 'refuse' }, expect: { refuse: DispatcherFaultCode.unroutableWrite } },
  { name: 'strict: the same write with an i_env runs there', call: apiCall('Account/update_account', { i_env: 8, account_info: { blocked: 'Y' } }), session: ADMIN, env: 8, config: { unroutableWrites: 'refuse' }, expect: { kind: 'single', system: 'target', rule: 'env-switch', switchContext: true } },
  { name: 'strict: a read naming nothing still runs in the context', call: apiCall('Account/get_alias_list', {}), session: ADMIN_IN_TARGET, config: { unroutableWrites: 'refuse' }, expect: { kind: 'single', system: 'target', rule: 'context' } },
  { name: 'strict: a configuration write runs in the context', call: apiCall('Product/update_product', { product_info: { i_product: 1, name: 'x' } }), session: ADMIN_IN_TARGET, config: { unroutableWrites: 'refuse' }, expect: { kind: 'single', system: 'target', rule: 'context' } },
  { name: 'strict: a write naming a placed customer is routed, not refused', call: apiCall('Customer/update_customer', { customer_info: { i_customer: 2 } }), session: ADMIN, locations: [{ locator: cust(2), location: at('target', 2) }], config: { unroutableWrites: 'refuse' }, expect: { kind: 'single', system: 'target', rule: 'locator', iCustomer: 2 } },
  { name: 'strict: a retail write goes to its pinned system', call: apiCall('Account/update_account', {}, { realm: 'account' }), session: RETAIL_NO_ID, config: { unroutableWrites: 'refuse' }, expect: { kind: 'single', system: 'target', rule: 'retail' } },
  { name: 'strict: verify_otp runs in the context (where create_otp moved it)', call: apiCall('AccessControl/verify_otp', { one_time_password: '123456' }), session: ADMIN_IN_TARGET, config: { unroutableWrites: 'refuse' }, expect: { kind: 'single', system: 'target', rule: 'context' } },
  { name: 'locator: create_otp moves the session context to the account\'s system', call: apiCall('AccessControl/create_otp', { send_to: 'account', id: 5 }), session: ADMIN, locations: [{ locator: acct(5), location: at('target', 4) }], expect: { kind: 'single', system: 'target', rule: 'locator', iCustomer: 4, switchContext: true } },
  { name: 'strict off: the write runs in the context', call: apiCall('Account/update_account', { account_info: { blocked: 'Y' } }), session: ADMIN_IN_TARGET, config: { unroutableWrites: 'context' }, expect: { kind: 'single', system: 'target', rule: 'context' } },

  // Rule 7: context.
  { name: 'context: a call naming nothing runs in the source context by default', call: apiCall('Generic/get_version'), session: ADMIN, expect: { kind: 'single', system: 'source', rule: 'context' } },
  { name: 'context: a call naming nothing runs in the session\'s target context', call: apiCall('CustomerClass/update_customer_class', { customer_class_info: { i_customer_class: 1 } }), session: ADMIN_IN_TARGET, expect: { kind: 'single', system: 'target', rule: 'context' } },
  { name: 'context: without a session the source is the context', call: apiCall('Generic/get_version'), expect: { kind: 'single', system: 'source', rule: 'context' } },
];

describe('route() applies SPEC §4.2 rules in order', () => {
  for (const row of ROWS) {
    test(row.name, () => {
      const input: RouteInput = {
        call: row.call,
        session: row.session,
        locations: row.locations ?? [],
        env: row.env,
        config: { ...CONFIG, ...row.config },
      };
      if (row.retailLocation !== undefined) input.retailLocation = row.retailLocation;
      const plan = route(input);
      if ('refuse' in row.expect) {
        assert.equal(plan.kind, 'refuse', JSON.stringify(plan));
        const fault = (plan as { fault: ApiFault }).fault;
        assert.ok(fault instanceof ApiFault);
        assert.equal(fault.faultcode, row.expect.refuse);
        assert.ok(fault.faultstring.length > 10, 'a clear faultstring');
      } else {
        assert.deepEqual(plan, row.expect);
      }
    });
  }

  test('is pure: the same input gives the same plan and the input is not changed', () => {
    const input: RouteInput = { call: apiCall('Customer/get_customer_info', { i_customer: 2 }), session: ADMIN, locations: [{ locator: cust(2), location: at('target', 2) }], env: 3, config: CONFIG };
    const before = JSON.stringify({ ...input, config: undefined });
    assert.deepEqual(route(input), route(input));
    assert.equal(JSON.stringify({ ...input, config: undefined }), before);
  });

  test('the ambiguous-location fault names both records and their systems', () => {
    const plan = route({
      call: apiCall('Account/get_account_info', { i_customer: 2, i_account: 1 }), session: ADMIN, env: undefined, config: CONFIG,
      locations: [{ locator: cust(2), location: at('target', 2) }, { locator: acct(1), location: at('source', 1) }],
    });
    assert.equal(plan.kind, 'refuse');
    const text = (plan as { fault: ApiFault }).fault.faultstring;
    assert.match(text, /i_customer 2 on target/);
    assert.match(text, /i_account 1 on source/);
  });
});

describe('findLocators() finds the records a call names', () => {
  const cases: Array<[string, ApiCall, Locator[]]> = [
    ['a top-level i_customer', apiCall('Customer/get_customer_info', { i_customer: 5 }), [cust(5)]],
    ['a top-level i_account', apiCall('Account/get_account_info', { i_account: 7 }), [acct(7)]],
    ['an i_customer inside customer_info', apiCall('Customer/update_customer', { customer_info: { i_customer: 4, name: 'x' } }), [cust(4)]],
    ['an i_account inside account_info', apiCall('Account/update_account', { account_info: { i_account: 9 } }), [acct(9)]],
    ['an i_customer inside account_info (add_account)', apiCall('Account/add_account', { account_info: { i_customer: 6, id: '123' } }), [cust(6)]],
    ['a top-level id and a nested one, both', apiCall('Account/get_account_list', { i_customer: 2, account_info: { i_account: 3 } }), [cust(2), acct(3)]],
    ['the same id twice, once', apiCall('Customer/update_customer', { i_customer: 4, customer_info: { i_customer: 4 } }), [cust(4)]],
    ['a numeric string id', apiCall('Customer/get_customer_info', { i_customer: '42' }), [cust(42)]],
    ['a null id as absent', apiCall('Customer/get_customer_info', { i_customer: null }), []],
    ['customer login for a Customer lookup', apiCall('Customer/get_customer_info', { login: 'john.doe' }), [{ kind: 'key', key: 'customer-login', value: 'john.doe' }]],
    ['customer name for a Customer lookup', apiCall('Customer/get_customer_info', { name: 'John Doe' }), [{ kind: 'key', key: 'customer-name', value: 'John Doe' }]],
    ['customer refnum for a Customer lookup', apiCall('Customer/get_customer_info', { refnum: 'R5' }), [{ kind: 'key', key: 'customer-refnum', value: 'R5' }]],
    ['account id for an Account lookup', apiCall('Account/get_account_info', { id: '15551230001' }), [{ kind: 'key', key: 'account-id', value: '15551230001' }]],
    ['account login for an Account lookup', apiCall('Account/get_account_info', { login: 'alice' }), [{ kind: 'key', key: 'account-login', value: 'alice' }]],
    ['a numeric account id as a key', apiCall('Account/get_account_info', { id: 15551230001 }), [{ kind: 'key', key: 'account-id', value: '15551230001' }]],
    ['no keys when an id is present (the id is authoritative)', apiCall('Customer/get_customer_info', { i_customer: 3, login: 'other' }), [cust(3)]],
    ['customer login on a write of the Customer service', apiCall('Customer/update_customer', { login: 'john.doe' }), [{ kind: 'key', key: 'customer-login', value: 'john.doe' }]],
    ['no keys on the method that creates the record they describe', apiCall('Customer/add_customer', { customer_info: { login: 'new.one', name: 'New' } }), []],
    ['no account keys on add_account', apiCall('Account/add_account', { account_info: { id: '15550001111' } }), []],
    ['no account keys on the Customer service', apiCall('Customer/get_customer_info', { id: '15551230001' }), []],
    ['no customer keys on the Account service', apiCall('Account/get_account_info', { name: 'John Doe', refnum: 'R1' }), []],
    ['no keys on other services', apiCall('Subscription/get_subscription_list', { login: 'john.doe' }), []],
    ['customer keys nested in customer_info', apiCall('Customer/get_customer_info', { customer_info: { login: 'john.doe' } }), [{ kind: 'key', key: 'customer-login', value: 'john.doe' }]],
    ['account keys nested in account_info', apiCall('Account/update_account', { account_info: { id: '15551230001' } }), [{ kind: 'key', key: 'account-id', value: '15551230001' }]],
    ['no keys nested in another struct', apiCall('Customer/update_customer', { custom_fields: { login: 'john.doe' } }), []],
    ['i_master_account inside alias_info (Account/add_alias)', apiCall('Account/add_alias', { alias_info: { i_master_account: 11, id: 'alias-1' } }), [acct(11)]],
    ['a top-level i_master_account (DID/assign_did_to_account)', apiCall('DID/assign_did_to_account', { i_did_number: 40, i_master_account: 11 }), [acct(11)]],
    ['i_parent of a customer names its parent customer', apiCall('Customer/add_customer', { customer_info: { i_parent: 7, login: 'sub' } }), [cust(7)]],
    ['no i_parent outside the Customer service', apiCall('Product/update_product', { product_info: { i_parent: 7 } }), []],
    ['an id at any depth (arrays of structs too)', apiCall('Account/update_accounts', { accounts: [{ account_info: { i_account: 3 } }, { account_info: { i_account: 5 } }] }), [acct(3), acct(5)]],
    ['AccessControl id as the i_account when sent to an account', apiCall('AccessControl/create_otp', { send_to: 'account', id: 11 }), [acct(11)]],
    ['AccessControl id as the i_customer when sent to a customer', apiCall('AccessControl/create_otp', { send_to: 'customer', id: 7 }), [cust(7)]],
    ['an owned invoice id', apiCall('Invoice/get_invoice_info', { i_invoice: 77 }), [{ kind: 'owned', owned: 'invoice', id: 77 }]],
    ['an owned DID number id', apiCall('DID/release_did_from_account', { i_did_number: 40 }), [{ kind: 'owned', owned: 'did', id: 40 }]],
    ['an owned UA id nested in ua_info', apiCall('UA/update_ua', { ua_info: { i_ua: 9 } }), [{ kind: 'owned', owned: 'ua', id: 9 }]],
    ['no owned ids when a customer id is named (the customer is authoritative)', apiCall('Invoice/get_invoice_info', { i_invoice: 77, i_customer: 5 }), [cust(5)]],
    ['owned ids before keys', apiCall('Customer/get_customer_info', { login: 'x', i_invoice: 2 }), [{ kind: 'owned', owned: 'invoice', id: 2 }, { kind: 'key', key: 'customer-login', value: 'x' }]],
    ['no key for an empty string', apiCall('Customer/get_customer_info', { login: '' }), []],
    ['nothing in an empty call', apiCall('Generic/get_version'), []],
  ];
  for (const [what, c, expected] of cases) {
    test(`finds ${what}`, () => assert.deepEqual(findLocators(c), expected));
  }

  const bad: Array<[string, JsonObject]> = [
    ['a negative i_customer', { i_customer: -1 }],
    ['a zero i_customer', { i_customer: 0 }],
    ['a fractional i_customer', { i_customer: 1.5 }],
    ['a non-numeric i_customer string', { i_customer: 'abc' }],
    ['a boolean i_account', { i_account: true }],
    ['an object i_account', { i_account: { x: 1 } }],
    ['a bad id nested in customer_info', { customer_info: { i_customer: 'x1' } }],
    ['a bad id nested in account_info', { account_info: { i_account: -5 } }],
    ['a bad i_master_account nested in alias_info', { alias_info: { i_master_account: 'x' } }],
  ];
  for (const [what, params] of bad) {
    test(`refuses ${what} with a clear bad-request fault`, () => {
      assert.throws(() => findLocators(apiCall('Customer/get_customer_info', params)), (err: unknown) => {
        assert.ok(err instanceof ApiFault);
        assert.equal(err.faultcode, DispatcherFaultCode.badRequest);
        assert.match(err.faultstring, /i_(customer|account|master_account)/);
        return true;
      });
    });
  }
});

describe('findEnv() reads the i_env a call names', () => {
  const realm: Realm = 'admin';
  test('from params', () => assert.equal(findEnv(apiCall('Env/get_env_info', { i_env: 8 })), 8));
  test('from params as a string', () => assert.equal(findEnv(apiCall('Env/get_env_info', { i_env: '8' })), 8));
  test('from auth_info', () => assert.equal(findEnv(apiCall('Env/get_env_info', {}, { realm, authInfo: { session_id: 's', i_env: 3 } })), 3));
  test('params first, then auth_info', () => assert.equal(findEnv(apiCall('Env/get_env_info', { i_env: 8 }, { authInfo: { i_env: 3 } })), 8));
  test('none when absent or not a number', () => {
    assert.equal(findEnv(apiCall('Env/get_env_info')), undefined);
    assert.equal(findEnv(apiCall('Env/get_env_info', { i_env: 'eight' })), undefined);
  });
});

describe('route(): the edges of each rule (mutation testing, issue 19)', () => {
  const run = (r: Omit<Row, 'name' | 'expect'>): Plan => {
    const input: RouteInput = { call: r.call, session: r.session, locations: r.locations ?? [], env: r.env, config: { ...CONFIG, ...r.config } };
    if (r.retailLocation !== undefined) input.retailLocation = r.retailLocation;
    return route(input);
  };
  const faultOf = (plan: Plan): ApiFault => {
    assert.equal(plan.kind, 'refuse', JSON.stringify(plan));
    return (plan as { fault: ApiFault }).fault;
  };

  test('a Session call on the PortaSIP listener is broadcast, not answered by the dispatcher', () => {
    assert.deepEqual(run({ call: apiCall('Session/login', {}, { portasip: true }), session: ADMIN }), { kind: 'broadcast', systems: ['source', 'target'] });
  });

  test('retail: without its customer\'s location the call still goes to the pinned system', () => {
    assert.deepEqual(run({ call: apiCall('Customer/get_customer_info', {}, { realm: 'customer' }), session: RETAIL }), { kind: 'single', system: 'source', rule: 'retail', iCustomer: 1 });
  });

  test('retail: a session that does not know its customer is neither held nor refused by a location', () => {
    const call = apiCall('Account/get_account_info', {}, { realm: 'account' });
    assert.deepEqual(run({ call, session: RETAIL_NO_ID, retailLocation: at('target', 4, 'moving') }), { kind: 'single', system: 'target', rule: 'retail' });
    assert.deepEqual(run({ call, session: RETAIL_NO_ID, retailLocation: at('source', 4) }), { kind: 'single', system: 'target', rule: 'retail' });
  });

  test('retail: the moved-away refusal tells the user to log in again', () => {
    const fault = faultOf(run({ call: apiCall('Customer/get_customer_info', {}, { realm: 'customer' }), session: RETAIL, retailLocation: at('target', 1) }));
    assert.match(fault.faultstring, /moved to another system.*log in again/);
  });

  test('broadcast and merge without a session reach no system', () => {
    assert.deepEqual(run({ call: apiCall('Voicemail/get_settings', {}, { portasip: true }) }), { kind: 'broadcast', systems: [] });
    assert.deepEqual(run({ call: apiCall('Customer/get_customer_list') }), { kind: 'merge', systems: [], paging: 'per-system' });
  });

  test('broadcast: the owner is the first location that knows its customer', () => {
    const plan = run({
      call: apiCall('Voicemail/update_settings', { i_account: 2, i_customer: 5 }, { portasip: true }), session: ADMIN,
      locations: [{ locator: acct(2), location: at('target') }, { locator: cust(5), location: at('target', 5) }],
    });
    assert.deepEqual(plan, { kind: 'broadcast', systems: ['source', 'target'], iCustomer: 5 });
  });

  test('locator: a moving location that knows no customer cannot be held on: it is routed', () => {
    const plan = run({ call: apiCall('Account/get_account_info', { i_account: 8 }), session: ADMIN, locations: [{ locator: acct(8), location: at('target', undefined, 'moving') }] });
    assert.deepEqual(plan, { kind: 'single', system: 'target', rule: 'locator' });
  });

  test('locator: only AccessControl/create_otp moves the context', () => {
    const locations = [{ locator: acct(5), location: at('target', 4) }];
    assert.deepEqual(run({ call: apiCall('AccessControl/get_otp_info', { send_to: 'account', id: 5 }), session: ADMIN, locations }), { kind: 'single', system: 'target', rule: 'locator', iCustomer: 4 });
    assert.deepEqual(run({ call: apiCall('Account/create_otp', { i_account: 5 }), session: ADMIN, locations }), { kind: 'single', system: 'target', rule: 'locator', iCustomer: 4 });
  });

  test('strict: the refusal names the unplaced records and both systems\' i_env', () => {
    const strict = { unroutableWrites: 'refuse' as const };
    const named = faultOf(run({
      call: apiCall('Invoice/void_invoice', { i_invoice: 5, i_customer: 9 }), session: ADMIN, config: strict,
      locations: [{ locator: { kind: 'owned', owned: 'invoice', id: 5 }, location: undefined }, { locator: cust(9), location: undefined }],
    }));
    assert.match(named.faultstring, /^Cannot route the write Invoice\/void_invoice: neither system holds invoice 5, i_customer 9\. /);
    assert.match(named.faultstring, /i_env 3 \(source\) or 8 \(target\) to choose the system$/);
    const nothing = faultOf(run({ call: apiCall('Account/update_account', {}), session: ADMIN, config: strict }));
    assert.match(nothing.faultstring, /: its params name no customer or account\. Send the i_customer or i_account it acts on/);
  });

  test('strict: without a session, or for a session of another realm, a write runs in the context', () => {
    const strict = { unroutableWrites: 'refuse' as const };
    assert.deepEqual(run({ call: apiCall('Account/update_account', {}), config: strict }), { kind: 'single', system: 'source', rule: 'context' });
    const unpinnedRetail: RouteSession = { realm: 'account', context: 'target', available: ['target'] };
    assert.deepEqual(run({ call: apiCall('Account/update_account', {}, { realm: 'account' }), session: unpinnedRetail, config: strict }), { kind: 'single', system: 'target', rule: 'context' });
  });

  test('strict: an ESPF read (GET) runs in the context, an ESPF write is refused', () => {
    const strict = { unroutableWrites: 'refuse' as const };
    assert.deepEqual(run({ call: apiCall('espf/GET /v1/things', {}, { style: 'espf' }), session: ADMIN_IN_TARGET, config: strict }), { kind: 'single', system: 'target', rule: 'context' });
    assert.equal(run({ call: apiCall('espf/POST /v1/things', {}, { style: 'espf' }), session: ADMIN_IN_TARGET, config: strict }).kind, 'refuse');
  });
});

describe('findLocators(): bounds, dedup and the forms of ids and keys (mutation testing, issue 19)', () => {
  const find = (serviceMethod: string, params: JsonObject): Locator[] => findLocators(apiCall(serviceMethod, params));
  const nest = (levels: number, inner: JsonObject): JsonObject => {
    let v = inner;
    for (let i = 0; i < levels; i++) v = { s: v };
    return v;
  };

  test('params are searched six structs deep, not deeper', () => {
    assert.deepEqual(find('Customer/get_customer_info', nest(6, { i_customer: 3 })), [cust(3)]);
    assert.deepEqual(find('Customer/get_customer_info', nest(7, { i_customer: 3 })), []);
  });

  test('at most 2000 params fields are looked at', () => {
    const params = (fillers: number): JsonObject => {
      const p: JsonObject = {};
      for (let i = 0; i < fillers; i++) p[`f${i}`] = i;
      p.i_customer = 3;
      return p;
    };
    assert.deepEqual(find('Customer/get_customer_info', params(1999)), [cust(3)]);
    assert.deepEqual(find('Customer/get_customer_info', params(2000)), []);
    // The bound counts nested fields too, and stops the walk of an array.
    const deep: JsonObject = { a: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`f${i}`, i])), list: [{ i_account: 4 }] };
    assert.deepEqual(find('Account/get_account_info', deep), []);
  });

  test('only structs inside arrays are searched', () => {
    assert.deepEqual(find('Account/update_accounts', { accounts: [[{ i_account: 3 }], 'x', 5, null, { i_account: 6 }] }), [acct(6)]);
  });

  test('the same key or owned record twice is one locator, different values are two', () => {
    assert.deepEqual(find('Customer/get_customer_info', { login: 'x', customer_info: { login: 'x' } }), [{ kind: 'key', key: 'customer-login', value: 'x' }]);
    assert.deepEqual(find('Customer/get_customer_info', { login: 'x', customer_info: { login: 'y' } }), [{ kind: 'key', key: 'customer-login', value: 'x' }, { kind: 'key', key: 'customer-login', value: 'y' }]);
    assert.deepEqual(find('Customer/get_customer_info', { login: 'x', customer_info: { name: 'x' } }), [{ kind: 'key', key: 'customer-login', value: 'x' }, { kind: 'key', key: 'customer-name', value: 'x' }]);
    assert.deepEqual(find('Invoice/get_invoice_info', { i_invoice: 2, x: { i_invoice: 2 } }), [{ kind: 'owned', owned: 'invoice', id: 2 }]);
    assert.deepEqual(find('Invoice/get_invoice_info', { i_invoice: 2, x: { i_invoice: 3 } }), [{ kind: 'owned', owned: 'invoice', id: 2 }, { kind: 'owned', owned: 'invoice', id: 3 }]);
    assert.deepEqual(find('Invoice/get_invoice_info', { i_invoice: 2, x: { i_did_number: 2 } }), [{ kind: 'owned', owned: 'invoice', id: 2 }, { kind: 'owned', owned: 'did', id: 2 }]);
    assert.deepEqual(find('Account/get_account_info', { i_account: 3, account_info: { i_account: 3 }, i_customer: 3 }), [acct(3), cust(3)]);
  });

  test('owned ids come before keys, each kind in the order found', () => {
    assert.deepEqual(find('Customer/get_customer_info', { login: 'a', i_invoice: 1, name: 'b', i_did_number: 2 }), [
      { kind: 'owned', owned: 'invoice', id: 1 }, { kind: 'owned', owned: 'did', id: 2 },
      { kind: 'key', key: 'customer-login', value: 'a' }, { kind: 'key', key: 'customer-name', value: 'b' },
    ]);
  });

  test('a key is a non-empty string of at most 256 characters without %, or a safe integer', () => {
    const login = (v: JsonObject['x']) => find('Customer/get_customer_info', { login: v! });
    assert.deepEqual(login('a'.repeat(256)), [{ kind: 'key', key: 'customer-login', value: 'a'.repeat(256) }]);
    assert.deepEqual(login('a'.repeat(257)), []);
    assert.deepEqual(login('50%'), []);
    assert.deepEqual(login(12), [{ kind: 'key', key: 'customer-login', value: '12' }]);
    assert.deepEqual(login(1.5), []);
    assert.deepEqual(login(2 ** 60), []);
    assert.deepEqual(login(true), []);
  });

  test('a string id is 1 to 16 digits without a leading zero, anything else is refused', () => {
    assert.deepEqual(find('Customer/get_customer_info', { i_customer: '1234567890123456' }), [cust(1234567890123456)]);
    for (const bad of ['012', '12345678901234567', 'x12', '12x', '', ' 12']) {
      assert.throws(() => find('Customer/get_customer_info', { i_customer: bad }), (err: unknown) => err instanceof ApiFault && err.faultcode === DispatcherFaultCode.badRequest, bad);
    }
    assert.throws(() => find('Customer/get_customer_info', { i_customer: 2 ** 60 }), ApiFault);
  });

  test('the bad-id fault names the call, the field path and the value', () => {
    assert.throws(() => find('Customer/update_customer', { customer_info: { i_customer: 'x1' } }), (err: unknown) => {
      assert.ok(err instanceof ApiFault);
      assert.equal(err.faultstring, 'Cannot route Customer/update_customer: params.customer_info.i_customer "x1" is not a positive integer');
      return true;
    });
    assert.throws(() => find('Account/update_accounts', { accounts: [{ i_account: 1 }, { i_account: -2 }] }), (err: unknown) => {
      assert.ok(err instanceof ApiFault);
      assert.match(err.faultstring, /params\.accounts\[1\]\.i_account -2 /);
      return true;
    });
  });

  test('AccessControl: a send_to that is not a string counts as absent (the account)', () => {
    assert.deepEqual(find('AccessControl/create_otp', { send_to: 1, id: 11 }), [acct(11)]);
    assert.deepEqual(find('AccessControl/create_otp', { send_to: 'nobody', id: 11 }), []);
    assert.deepEqual(find('AccessControl/create_otp', { x: { send_to: 'customer', id: 11 } }), []);
  });

  test('the rows of a method are the same on every call (cached by service and method)', () => {
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(find('Customer/add_customer', { customer_info: { login: 'n' } }), []);
      assert.deepEqual(find('Customer/get_customer_info', { customer_info: { login: 'n' } }), [{ kind: 'key', key: 'customer-login', value: 'n' }]);
    }
  });
});

describe('findLocators() and route(): the survivors of the first scored mutation run (docs/mutation-testing.md)', () => {
  const find = (serviceMethod: string, params: JsonObject): Locator[] => findLocators(apiCall(serviceMethod, params));
  const badRequest = (err: unknown) => err instanceof ApiFault && err.faultcode === DispatcherFaultCode.badRequest;

  test('an id in an array, or a string id past 2^53, is refused, not read as a number', () => {
    assert.throws(() => find('Customer/get_customer_info', { i_customer: [5] }), badRequest);
    assert.throws(() => find('Customer/get_customer_info', { i_customer: '9007199254740993' }), badRequest);
    assert.deepEqual(find('Customer/get_customer_info', { i_customer: '9007199254740991' }), [cust(9007199254740991)]);
  });

  test('a key in an array is no key', () => {
    assert.deepEqual(find('Customer/get_customer_info', { login: ['alice'] }), []);
  });

  test('a null account or owned-record id is absent, like a null customer id', () => {
    assert.deepEqual(find('Account/get_account_info', { i_account: null }), []);
    assert.deepEqual(find('Invoice/get_invoice_info', { i_invoice: null }), []);
  });

  test('two different customers, or two different accounts, are two locators', () => {
    assert.deepEqual(find('Customer/update_customer', { i_customer: 5, customer_info: { i_customer: 7 } }), [cust(5), cust(7)]);
    assert.deepEqual(find('Account/update_account', { i_account: 5, account_info: { i_account: 7 } }), [acct(5), acct(7)]);
  });

  test('a long string is one field for the walk bound, in a struct or in an array', () => {
    assert.deepEqual(find('Customer/update_customer', { note: 'x'.repeat(3000), i_customer: 5 }), [cust(5)]);
    assert.deepEqual(find('Account/get_account_info', { list: ['x'.repeat(3000), { i_account: 4 }] }), [acct(4)]);
  });

  test('structs inside arrays count toward the depth bound', () => {
    const nestInArrays = (levels: number, inner: JsonObject): JsonObject => {
      let v = inner;
      for (let i = 0; i < levels; i++) v = { s: [v] };
      return v;
    };
    assert.deepEqual(find('Customer/get_customer_info', nestInArrays(6, { i_customer: 3 })), [cust(3)]);
    assert.deepEqual(find('Customer/get_customer_info', nestInArrays(7, { i_customer: 3 })), []);
  });

  test('the validate_*_info methods, like add_*, name no record by their lookup keys', () => {
    assert.deepEqual(find('Customer/validate_customer_info', { customer_info: { login: 'new' } }), []);
    assert.deepEqual(find('Account/validate_account_info', { account_info: { id: 'new' } }), []);
  });

  test('an i_env in an array is no i_env', () => {
    assert.equal(findEnv(apiCall('Env/get_env_info', { i_env: [3] })), undefined);
    assert.equal(findEnv(apiCall('Env/get_env_info', {}, { authInfo: { i_env: [3] } })), undefined);
  });

  test('a broadcast naming a record no system holds is broadcast without an owner', () => {
    const plan = route({
      call: apiCall('Voicemail/get_settings', { i_account: 9 }, { portasip: true }), session: ADMIN, env: undefined, config: CONFIG,
      locations: [{ locator: acct(9), location: undefined }],
    });
    assert.deepEqual(plan, { kind: 'broadcast', systems: ['source', 'target'] });
  });

  test('the ambiguous-location fault lists the records comma-separated', () => {
    const plan = route({
      call: apiCall('Account/get_account_info', { i_customer: 2, i_account: 1 }), session: ADMIN, env: undefined, config: CONFIG,
      locations: [{ locator: cust(2), location: at('target', 2) }, { locator: acct(1), location: at('source', 1) }],
    });
    assert.equal((plan as { fault: ApiFault }).fault.faultstring, 'Cannot route: the call names records on different systems (i_customer 2 on target, i_account 1 on source)');
  });
});

describe('findEnv(): the forms of an i_env', () => {
  test('an integer or a string of 1 to 9 digits; a bad params i_env falls through to auth_info', () => {
    const env = (v: JsonObject['x'], authEnv?: JsonObject['x']) => findEnv(apiCall('Env/get_env_info', v === undefined ? {} : { i_env: v }, authEnv === undefined ? {} : { authInfo: { i_env: authEnv } }));
    assert.equal(env('123456789'), 123456789);
    assert.equal(env('1234567890'), undefined);
    assert.equal(env('8x'), undefined);
    assert.equal(env('x8'), undefined);
    assert.equal(env(''), undefined);
    assert.equal(env(8.5), undefined);
    assert.equal(env(true), undefined);
    assert.equal(env('eight', 3), 3);
    assert.equal(env(8.5, '3'), 3);
  });
});
