import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fault, login, ok, portasipCall, restCall, sendJson, simsForSuite } from '../helpers/sim.ts';
import type { JsonReply } from '../helpers/sim.ts';
import { jsonRequest } from '../helpers/wire.ts';
import type { RunningSimulator } from '../../src/sim/contract.ts';

type Row = Record<string, unknown>;

const SOURCE_ENV = 3;
const TARGET_ENV = 8;
/** Fields the simulator documents as "where the record lives" (src/sim/api/record-views.ts). */
const MOVED_FIELDS = ['migration_status', 'moved_at', 'moved_to'] as const;
const FROM_DATE = '2000-01-01 00:00:00';
const TO_DATE = '2100-01-01 00:00:00';

interface Side {
  sim: RunningSimulator;
  token: string;
}

/** Everything a transfer must carry for one customer, as the admin API shows it. */
interface Snapshot {
  customer: Row;
  accounts: Row[];
  xdrs: Record<number, unknown>;
  invoices: unknown;
  subscriptions: unknown;
  counters: unknown;
  voicemail: Record<number, unknown>;
}

function withoutLocation(row: Row): Row {
  const out: Row = { ...row };
  delete out['i_env'];
  for (const f of MOVED_FIELDS) delete out[f];
  return out;
}

async function snapshot(side: Side, iCustomer: number): Promise<Snapshot> {
  const call = (sm: string, params: Row): Promise<JsonReply> => restCall(side.sim.urls.admin, sm, params, side.token);
  const customer = ok(await call('Customer/get_customer_info', { i_customer: iCustomer }), 'get_customer_info')['customer_info'] as Row;
  const list = ok(await call('Account/get_account_list', { i_customer: iCustomer }), 'get_account_list')['account_list'] as Row[];
  const accounts: Row[] = [];
  const xdrs: Record<number, unknown> = {};
  const voicemail: Record<number, unknown> = {};
  for (const a of list) {
    const i = a['i_account'] as number;
    accounts.push(ok(await call('Account/get_account_info', { i_account: i }), 'get_account_info')['account_info'] as Row);
    xdrs[i] = ok(await call('Account/get_xdr_list', { i_account: i, from_date: FROM_DATE, to_date: TO_DATE, limit: 1000, offset: 0 }), 'get_xdr_list')['xdr_list'];
    voicemail[i] = ok(await portasipCall(side.sim.urls.portasip, 'Voicemail/get_settings', { i_account: i }, side.token), 'Voicemail/get_settings');
  }
  return {
    customer,
    accounts,
    xdrs,
    invoices: ok(await call('Invoice/get_invoice_list', { i_customer: iCustomer }), 'get_invoice_list'),
    subscriptions: ok(await call('Subscription/get_subscription_list', { i_customer: iCustomer }), 'get_subscription_list'),
    counters: ok(await call('Customer/get_vd_counter_list', { i_customer: iCustomer }), 'get_vd_counter_list'),
    voicemail,
  };
}

/** Comparable form: location fields dropped, xDRs/invoices compared as the API returned them. */
function comparable(s: Snapshot): unknown {
  return {
    customer: withoutLocation(s.customer),
    accounts: s.accounts.map(withoutLocation),
    xdrs: s.xdrs,
    invoices: stripLocation(s.invoices),
    subscriptions: stripLocation(s.subscriptions),
    counters: stripLocation(s.counters),
    voicemail: s.voicemail,
  };
}

/** Drops i_env and moved markers at any depth (lists of rows carry them too). */
function stripLocation(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripLocation);
  if (v !== null && typeof v === 'object') {
    const out: Row = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'i_env' && !(MOVED_FIELDS as readonly string[]).includes(k)) out[k] = stripLocation(x);
    return out;
  }
  return v;
}

async function transfer(from: Side, to: Side, iCustomer: number): Promise<JsonReply> {
  const body = JSON.stringify({ i_customer: iCustomer, target: to.sim.urls.admin });
  return sendJson(from.sim.urls.admin, jsonRequest(from.sim.urls.admin, '/sim/transfer', body, from.token));
}

for (const { CUSTOMER, ACCOUNT } of [
  { CUSTOMER: 7, ACCOUNT: { login: 'alice', password: 'secret' } },
  { CUSTOMER: 1, ACCOUNT: { login: '15551230001', password: 'demo-john' } },
] as const) describe(`migration transfer of customer ${CUSTOMER} source → target → source keeps every field`, () => {
  const start = simsForSuite();
  let source: Side;
  let target: Side;
  let original: Snapshot;
  let retailToken: string;

  before(async () => {
    const s = await start({ role: 'source', env: SOURCE_ENV, seed: 1, customers: 30 });
    const t = await start({ role: 'target', env: TARGET_ENV, seed: 1, customers: 30 });
    source = { sim: s, token: (await login(s.urls.admin, { login: 'admin', password: 'demo-admin' })).access_token };
    target = { sim: t, token: (await login(t.urls.admin, { login: 'admin', password: 'demo-admin' })).access_token };
    original = await snapshot(source, CUSTOMER);
    retailToken = (await login(s.urls.account, ACCOUNT)).access_token;
  });

  test('the customer to move has accounts and xDRs, and is not on the target before', async () => {
    assert.equal(original.customer['i_customer'], CUSTOMER);
    assert.equal(original.customer['i_env'], SOURCE_ENV);
    assert.equal(original.customer['migration_status'], undefined);
    assert.ok(original.accounts.length > 0, 'the customer has accounts');
    assert.ok(Object.values(original.xdrs).some((x) => Array.isArray(x) && x.length > 0), 'the customer has xDRs');
    assert.ok((original.invoices as Row)['invoice_list'] !== undefined, 'invoices listed');
    const missing = await restCall(target.sim.urls.admin, 'Customer/get_customer_info', { i_customer: CUSTOMER }, target.token);
    assert.equal(missing.status, 500);
    fault(missing, 'Server.Customer.customer_not_found');
  });

  test('after the transfer the target holds the same customer, accounts, xDRs and services', async () => {
    const reply = await transfer(source, target, CUSTOMER);
    ok(reply, 'POST /sim/transfer');
    const moved = await snapshot(target, CUSTOMER);
    assert.equal(moved.customer['i_env'], TARGET_ENV);
    assert.equal(moved.customer['migration_status'], undefined, 'the target owns it: not marked moved');
    assert.deepEqual(comparable(moved), comparable(original));
  });

  test('the source still lists the customer, marked moved, and refuses writes to it', async () => {
    const info = ok(await restCall(source.sim.urls.admin, 'Customer/get_customer_info', { i_customer: CUSTOMER }, source.token))['customer_info'] as Row;
    assert.equal(info['migration_status'], 'moved');
    assert.equal(typeof info['moved_at'], 'string');
    assert.equal(typeof info['moved_to'], 'string');
    assert.ok((info['moved_to'] as string).length > 0, 'moved_to names where it went');
    const listed = ok(await restCall(source.sim.urls.admin, 'Customer/get_customer_list', { limit: 1000, offset: 0 }, source.token))['customer_list'] as Row[];
    const row = listed.find((r) => r['i_customer'] === CUSTOMER);
    assert.ok(row, 'the source still lists the moved customer');
    assert.equal(row['migration_status'], 'moved');
    const write = await restCall(source.sim.urls.admin, 'Customer/update_customer', { customer_info: { i_customer: CUSTOMER, notes: 'late write' } }, source.token);
    assert.equal(write.status, 500);
    fault(write, 'Server.Customer.customer_moved');
    const accountWrite = await restCall(source.sim.urls.admin, 'Account/update_account', { account_info: { i_account: original.accounts[0]!['i_account'], note: 'late write' } }, source.token);
    assert.equal(accountWrite.status, 500);
    fault(accountWrite, 'Server.Customer.customer_moved');
    const added = await restCall(source.sim.urls.admin, 'Account/add_account', { account_info: { i_customer: CUSTOMER, id: `1888000${CUSTOMER}`, i_product: 1, billing_model: 1 } }, source.token);
    fault(added, 'Server.Customer.customer_moved');
    const after = ok(await restCall(source.sim.urls.admin, 'Customer/get_customer_info', { i_customer: CUSTOMER }, source.token))['customer_info'] as Row;
    assert.notEqual(after['notes'], 'late write');
    const accountsAfter = ok(await restCall(source.sim.urls.admin, 'Account/get_account_list', { i_customer: CUSTOMER }, source.token))['account_list'] as Row[];
    assert.equal(accountsAfter.length, original.accounts.length, 'no account was added on the source');
  });

  test('a retail session opened on the source before the move no longer works there', async () => {
    const reply = await restCall(source.sim.urls.account, 'Account/update_account', { account_info: { note: 'late retail write' } }, retailToken);
    assert.equal(reply.status, 500);
    fault(reply, /^(Server\.Session\.check_auth\.auth_failed|Server\.Customer\.customer_moved)$/);
  });

  test('transferring a customer that has already moved away is refused', async () => {
    const reply = await transfer(source, target, CUSTOMER);
    assert.equal(reply.status, 500);
    fault(reply, undefined, 'second transfer');
  });

  test('the target accepts writes and the account logs in there', async () => {
    const write = await restCall(target.sim.urls.admin, 'Customer/update_customer', { customer_info: { i_customer: CUSTOMER, notes: 'written on the target' } }, target.token);
    ok(write, 'update_customer on the target');
    const session = await login(target.sim.urls.account, ACCOUNT);
    assert.ok(session.session_id);
    const refused = await restCall(source.sim.urls.account, 'Session/login', ACCOUNT);
    assert.equal(refused.status, 500, 'the source no longer lets a moved account log in');
    fault(refused, 'Server.Session.auth_failed');
  });

  test('a transfer back to the source restores every field, with the target\'s write', async () => {
    ok(await transfer(target, source, CUSTOMER), 'POST /sim/transfer back');
    const back = await snapshot(source, CUSTOMER);
    assert.equal(back.customer['i_env'], SOURCE_ENV);
    for (const f of MOVED_FIELDS) assert.equal(back.customer[f], undefined, `${f} cleared on the source`);
    const expected = comparable({ ...original, customer: { ...original.customer, notes: 'written on the target' } });
    assert.deepEqual(comparable(back), expected);
    const onTarget = ok(await restCall(target.sim.urls.admin, 'Customer/get_customer_info', { i_customer: CUSTOMER }, target.token))['customer_info'] as Row;
    assert.equal(onTarget['migration_status'], 'moved', 'now the target marks it moved');
    ok(await restCall(source.sim.urls.admin, 'Customer/update_customer', { customer_info: { i_customer: CUSTOMER, notes: original.customer['notes'] } }, source.token), 'the source accepts writes again');
  });

  test('a transfer of an unknown customer is a fault', async () => {
    const reply = await transfer(source, target, 999_999_999);
    fault(reply, undefined, 'transfer of an unknown customer');
  });
});
