import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fault, login, ok, restCall, simsForSuite } from '../helpers/sim.ts';
import type { JsonReply } from '../helpers/sim.ts';
import type { RunningSimulator } from '../../src/sim/contract.ts';

type Row = Record<string, unknown>;

const JOHN = 1;
const JOHN_ACCOUNT = 1;
const OTHER = 7;
const ALICE = 19;
const RESELLER1 = 2_000_000_001;

/**
 * Another customer's data must not come back: the reply is a fault, or exactly what the same
 * session gets when it names nothing (PortaBilling's retail realms answer about the caller), and
 * in no case does it carry the other record's identifying strings.
 */
function noLeak(reply: JsonReply, own: JsonReply, secrets: readonly string[], what: string): void {
  for (const s of secrets) assert.ok(!reply.text.includes(JSON.stringify(s)), `${what}: reply leaks ${s}: ${reply.text.slice(0, 300)}`);
  if (reply.status === 200) {
    assert.deepEqual(reply.json, own.json, `${what}: a 200 reply must be the caller's own data`);
  } else {
    fault(reply, undefined, what);
  }
}

function rows(reply: JsonReply, key: string, what: string): Row[] {
  const list = ok(reply, what)[key];
  assert.ok(Array.isArray(list), `${what}: ${key} is an array`);
  return list as Row[];
}

describe('realm scoping holds on every method, not only on lists', () => {
  const start = simsForSuite();
  let sim: RunningSimulator;
  let adminToken: string;
  let other: Row;
  let alice: Row;
  let secrets: string[];

  before(async () => {
    sim = await start({ role: 'source', env: 3, seed: 1, customers: 40 });
    adminToken = (await login(sim.urls.admin, { login: 'admin', password: 'demo-admin' })).access_token;
    other = ok(await restCall(sim.urls.admin, 'Customer/get_customer_info', { i_customer: OTHER }, adminToken))['customer_info'] as Row;
    alice = ok(await restCall(sim.urls.admin, 'Account/get_account_info', { i_account: ALICE }, adminToken))['account_info'] as Row;
    assert.equal(alice['i_customer'], OTHER, 'fixture: alice belongs to customer 7');
    secrets = [other['login'], other['name'], other['refnum'], alice['id'], alice['login']].filter((v): v is string => typeof v === 'string' && v !== '');
    assert.ok(secrets.length >= 4, 'fixture: customer 7 and alice have identifying strings');
  });

  describe('a customer session (john.doe on the customer listener)', () => {
    let url: string;
    let token: string;
    const call = (sm: string, params: Row): Promise<JsonReply> => restCall(url, sm, params, token);

    before(async () => {
      url = sim.urls.customer;
      token = (await login(url, { login: 'john.doe', password: 'demo-john' })).access_token;
    });

    test('reads itself', async () => {
      const me = ok(await call('Customer/get_customer_info', {}))['customer_info'] as Row;
      assert.equal(me['i_customer'], JOHN);
      assert.equal(me['login'], 'john.doe');
    });

    test('cannot read another customer by i_customer, login, name or refnum', async () => {
      const own = await call('Customer/get_customer_info', {});
      for (const params of [
        { i_customer: OTHER },
        { login: other['login'] },
        { name: other['name'] },
        { refnum: other['refnum'] },
        { customer_info: { i_customer: OTHER } },
      ] as Row[]) {
        noLeak(await call('Customer/get_customer_info', params), own, secrets, `get_customer_info ${JSON.stringify(params)}`);
      }
    });

    test('get_customer_list lists nobody but itself', async () => {
      const reply = await call('Customer/get_customer_list', { limit: 100, get_total: 1 });
      if (reply.status !== 200) { fault(reply); return; }
      const list = rows(reply, 'customer_list', 'customer get_customer_list');
      for (const r of list) assert.equal(r['i_customer'], JOHN, `listed customer ${String(r['i_customer'])}`);
      const named = await call('Customer/get_customer_list', { login: other['login'] as string });
      if (named.status === 200) assert.deepEqual(rows(named, 'customer_list', 'list by login').filter((r) => r['i_customer'] !== JOHN), []);
    });

    test('cannot read another customer\'s accounts (list or info by i_account, id, login)', async () => {
      const ownList = await call('Account/get_account_list', {});
      for (const r of rows(ownList, 'account_list', 'own account list')) assert.equal(r['i_customer'], JOHN);
      noLeak(await call('Account/get_account_list', { i_customer: OTHER }), ownList, secrets, 'get_account_list of customer 7');
      for (const params of [{ i_account: ALICE }, { id: alice['id'] }, { login: 'alice' }, { account_info: { i_account: ALICE } }] as Row[]) {
        const reply = await call('Account/get_account_info', params);
        for (const s of secrets) assert.ok(!reply.text.includes(JSON.stringify(s)), `get_account_info ${JSON.stringify(params)} leaks ${s}`);
        if (reply.status === 200) assert.notEqual(((reply.json as Row)['account_info'] as Row | undefined)?.['i_account'], ALICE);
        else fault(reply);
      }
    });

    test('cannot read another customer\'s xDRs, counters, invoices or subscriptions', async () => {
      const cases: Array<[string, Row, Row]> = [
        ['Account/get_xdr_list', { i_account: ALICE, limit: 20 }, { i_account: JOHN_ACCOUNT, limit: 20 }],
        ['Customer/get_customer_xdrs', { i_customer: OTHER, limit: 20 }, { limit: 20 }],
        ['Customer/get_vd_counter_list', { i_customer: OTHER }, {}],
        ['Invoice/get_invoice_list', { i_customer: OTHER }, {}],
        ['Subscription/get_subscription_list', { i_customer: OTHER }, {}],
      ];
      for (const [sm, theirs, mine] of cases) {
        const own = await call(sm, mine);
        ok(own, `${sm} about itself`);
        noLeak(await call(sm, theirs), own, secrets, `${sm} ${JSON.stringify(theirs)}`);
      }
    });

    test('cannot write another customer, and the record stays unchanged', async () => {
      const reply = await call('Customer/update_customer', { customer_info: { i_customer: OTHER, notes: 'written by john' } });
      if (reply.status === 200) {
        const o = ok(await restCall(sim.urls.admin, 'Customer/get_customer_info', { i_customer: OTHER }, adminToken))['customer_info'] as Row;
        assert.equal(o['notes'], other['notes'], 'customer 7 must not be written by john');
      } else {
        fault(reply);
      }
      const o = ok(await restCall(sim.urls.admin, 'Customer/get_customer_info', { i_customer: OTHER }, adminToken))['customer_info'] as Row;
      assert.deepEqual(o, other);
    });

    test('cannot write another customer\'s account nor add one under another customer', async () => {
      fault(await call('Account/update_account', { account_info: { i_account: ALICE, note: 'written by john' } }), undefined, 'update_account of alice');
      fault(await call('Account/add_account', { account_info: { i_customer: OTHER, id: '19990007001', i_product: 1, billing_model: 1 } }), undefined, 'add_account under 7');
      const a = ok(await restCall(sim.urls.admin, 'Account/get_account_info', { i_account: ALICE }, adminToken))['account_info'] as Row;
      assert.deepEqual(a, alice);
      const list = ok(await restCall(sim.urls.admin, 'Account/get_account_list', { i_customer: OTHER }, adminToken))['account_list'] as Row[];
      assert.ok(!list.some((r) => r['id'] === '19990007001'), 'no account was added to customer 7');
    });

    test('cannot change configuration or create customers', async () => {
      fault(await call('Customer/add_customer', { customer_info: { name: 'By John', login: 'by-john', iso_4217: 'USD' } }), 'Server.permission_denied');
      fault(await call('Product/update_product', { product_info: { i_product: 1, name: 'hacked' } }), 'Server.permission_denied');
    });
  });

  describe('an account session (15551230001 on the account listener)', () => {
    let url: string;
    let token: string;
    const call = (sm: string, params: Row): Promise<JsonReply> => restCall(url, sm, params, token);

    before(async () => {
      url = sim.urls.account;
      token = (await login(url, { login: '15551230001', password: 'demo-john' })).access_token;
    });

    test('reads itself', async () => {
      const me = ok(await call('Account/get_account_info', {}))['account_info'] as Row;
      assert.equal(me['i_account'], JOHN_ACCOUNT);
    });

    test('cannot read another account by i_account, id or login', async () => {
      const own = await call('Account/get_account_info', {});
      for (const params of [{ i_account: ALICE }, { id: alice['id'] }, { login: 'alice' }] as Row[]) {
        noLeak(await call('Account/get_account_info', params), own, secrets, `get_account_info ${JSON.stringify(params)}`);
      }
    });

    test('lists only itself and its own xDRs', async () => {
      const list = await call('Account/get_account_list', {});
      if (list.status === 200) for (const r of rows(list, 'account_list', 'account get_account_list')) assert.equal(r['i_account'], JOHN_ACCOUNT);
      else fault(list);
      const ownXdrs = await call('Account/get_xdr_list', { limit: 20 });
      for (const x of rows(ownXdrs, 'xdr_list', 'own xdrs')) assert.equal(x['i_account'], JOHN_ACCOUNT);
      noLeak(await call('Account/get_xdr_list', { i_account: ALICE, limit: 20 }), ownXdrs, secrets, 'get_xdr_list of alice');
    });

    test('cannot read another customer', async () => {
      const own = await call('Customer/get_customer_info', {});
      for (const params of [{ i_customer: OTHER }, { login: other['login'] }] as Row[]) {
        noLeak(await call('Customer/get_customer_info', params), own, secrets, `account get_customer_info ${JSON.stringify(params)}`);
      }
      const list = await call('Customer/get_customer_list', { limit: 100 });
      if (list.status === 200) for (const r of rows(list, 'customer_list', 'account get_customer_list')) assert.equal(r['i_customer'], JOHN);
      else fault(list);
    });
  });

  describe('a reseller session (reseller1 on the reseller listener)', () => {
    let url: string;
    let token: string;
    let all: Row[];
    const call = (sm: string, params: Row): Promise<JsonReply> => restCall(url, sm, params, token);

    before(async () => {
      url = sim.urls.reseller;
      token = (await login(url, { login: 'reseller1', password: 'demo-reseller' })).access_token;
      all = rows(await restCall(sim.urls.admin, 'Customer/get_customer_list', { limit: 1000, offset: 0 }, adminToken), 'customer_list', 'admin list');
    });

    test('lists exactly its own customers', async () => {
      const mine = all.filter((r) => r['i_parent'] === RESELLER1).map((r) => r['i_customer']).sort();
      assert.ok(mine.length > 0, 'fixture: reseller1 owns some seeded customers');
      assert.ok(mine.length < all.length, 'fixture: some customers belong to others');
      const listed = rows(await call('Customer/get_customer_list', { limit: 1000, offset: 0 }), 'customer_list', 'reseller list');
      assert.deepEqual(listed.map((r) => r['i_customer']).sort(), mine);
    });

    test('reads its own customer but not another one\'s, by any locator', async () => {
      const mine = all.find((r) => r['i_parent'] === RESELLER1)!;
      const theirs = all.find((r) => r['i_parent'] !== RESELLER1 && r['i_customer'] !== RESELLER1)!;
      assert.equal((ok(await call('Customer/get_customer_info', { i_customer: mine['i_customer'] }))['customer_info'] as Row)['i_customer'], mine['i_customer']);
      for (const params of [{ i_customer: theirs['i_customer'] }, { login: theirs['login'] }, { name: theirs['name'] }] as Row[]) {
        const reply = await call('Customer/get_customer_info', params);
        assert.ok(!reply.text.includes(JSON.stringify(theirs['login'])), `reseller get_customer_info ${JSON.stringify(params)} leaks`);
        fault(reply, undefined, `reseller get_customer_info ${JSON.stringify(params)}`);
      }
      const accounts = await call('Account/get_account_list', { i_customer: theirs['i_customer'] });
      if (accounts.status === 200) assert.deepEqual(rows(accounts, 'account_list', 'reseller account list of another'), []);
      else fault(accounts);
    });

    test('cannot read an account of a customer it does not own', async () => {
      const foreign = all.filter((r) => r['i_parent'] !== RESELLER1 && r['i_customer'] !== RESELLER1);
      let checked = 0;
      for (const c of foreign.slice(0, 5)) {
        const accounts = ok(await restCall(sim.urls.admin, 'Account/get_account_list', { i_customer: c['i_customer'] }, adminToken))['account_list'] as Row[];
        for (const a of accounts) {
          for (const params of [{ i_account: a['i_account'] }, { id: a['id'] }, { login: a['login'] }] as Row[]) {
            const reply = await call('Account/get_account_info', params);
            assert.ok(!reply.text.includes(JSON.stringify(a['id'])), `reseller get_account_info ${JSON.stringify(params)} leaks`);
            fault(reply, 'Server.Account.account_not_found', `reseller get_account_info ${JSON.stringify(params)}`);
            checked++;
          }
          const xdrs = await call('Account/get_xdr_list', { i_account: a['i_account'], limit: 5 });
          fault(xdrs, undefined, `reseller get_xdr_list of account ${String(a['i_account'])}`);
        }
      }
      assert.ok(checked > 0, 'fixture: customers of other resellers (or none) have accounts');
    });

    test('cannot write a customer it does not own', async () => {
      const theirs = all.find((r) => r['i_parent'] !== RESELLER1 && r['i_customer'] !== RESELLER1)!;
      const reply = await call('Customer/update_customer', { customer_info: { i_customer: theirs['i_customer'], notes: 'written by reseller1' } });
      fault(reply, undefined, 'reseller update_customer of another');
      const now = ok(await restCall(sim.urls.admin, 'Customer/get_customer_info', { i_customer: theirs['i_customer'] }, adminToken))['customer_info'] as Row;
      assert.notEqual(now['notes'], 'written by reseller1');
    });
  });
});
