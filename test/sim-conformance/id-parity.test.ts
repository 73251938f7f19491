import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { login, ok, restCall, simsForSuite } from '../helpers/sim.ts';
import type { RunningSimulator } from '../../src/sim/contract.ts';

type Row = Record<string, unknown>;

const SEED = 5;

function list(body: Row, key: string): Row[] {
  const rows = body[key];
  assert.ok(Array.isArray(rows), `${key} is an array`);
  return rows as Row[];
}

describe('ID parity: the source creates odd ids, the target even ones; config entities match', () => {
  const start = simsForSuite();
  const sims: Record<'source' | 'target', { sim: RunningSimulator; token: string }> = {} as never;

  before(async () => {
    for (const [role, env] of [['source', 3], ['target', 8]] as const) {
      const sim = await start({ role, env, seed: SEED, customers: 25 });
      sims[role] = { sim, token: (await login(sim.urls.admin, { login: 'admin', password: 'demo-admin' })).access_token };
    }
  });

  for (const [role, parity] of [['source', 1], ['target', 0]] as const) {
    test(`every customer and account listed on the ${role} has an ${parity ? 'odd' : 'even'} id`, async () => {
      const { sim, token } = sims[role];
      const customers = list(ok(await restCall(sim.urls.admin, 'Customer/get_customer_list', { limit: 1000, offset: 0, get_total: 1 }, token)), 'customer_list');
      const retail = customers;
      assert.ok(retail.length >= 20, `seeded customers listed on the ${role}: ${retail.length}`);
      for (const c of retail) assert.equal(Math.abs(c['i_customer'] as number) % 2, parity, `customer ${String(c['i_customer'])} on the ${role}`);
      let accounts = 0;
      for (const c of retail.slice(0, 10)) {
        const rows = list(ok(await restCall(sim.urls.admin, 'Account/get_account_list', { i_customer: c['i_customer'] }, token)), 'account_list');
        for (const a of rows) {
          accounts++;
          assert.equal(a['i_customer'], c['i_customer']);
          assert.equal((a['i_account'] as number) % 2, parity, `account ${String(a['i_account'])} on the ${role}`);
        }
      }
      assert.ok(accounts > 0, 'seeded customers have accounts');
    });

    test(`add_customer and add_account on the ${role} return ${parity ? 'odd' : 'even'} ids`, async () => {
      const { sim, token } = sims[role];
      const ids: number[] = [];
      for (let i = 0; i < 2; i++) {
        const added = ok(await restCall(sim.urls.admin, 'Customer/add_customer', {
          customer_info: { name: `Parity ${role} ${i}`, login: `parity-${role}-${i}`, iso_4217: 'USD', i_customer_class: 1 },
        }, token), 'add_customer');
        const iCustomer = added['i_customer'];
        assert.equal(typeof iCustomer, 'number', `add_customer returns i_customer: ${JSON.stringify(added)}`);
        assert.equal((iCustomer as number) % 2, parity, `new customer ${String(iCustomer)}`);
        ids.push(iCustomer as number);
        const addedAccount = ok(await restCall(sim.urls.admin, 'Account/add_account', {
          account_info: { i_customer: iCustomer, id: `1999555${role === 'source' ? 1 : 2}00${i}`, i_product: 1, billing_model: 1 },
        }, token), 'add_account');
        const iAccount = addedAccount['i_account'];
        assert.equal(typeof iAccount, 'number', `add_account returns i_account: ${JSON.stringify(addedAccount)}`);
        assert.equal((iAccount as number) % 2, parity, `new account ${String(iAccount)}`);
        const info = ok(await restCall(sim.urls.admin, 'Account/get_account_info', { i_account: iAccount }, token))['account_info'] as Row;
        assert.equal(info['i_customer'], iCustomer);
        const cinfo = ok(await restCall(sim.urls.admin, 'Customer/get_customer_info', { i_customer: iCustomer }, token))['customer_info'] as Row;
        assert.equal(cinfo['login'], `parity-${role}-${i}`);
      }
      assert.notEqual(ids[0], ids[1], 'each add gets a new id');
    });
  }

  for (const [sm, key, idKey] of [
    ['Product/get_product_list', 'product_list', 'i_product'],
    ['CustomerClass/get_customer_class_list', 'customer_class_list', 'i_customer_class'],
    ['DiscountPlan/get_discount_plan_list', 'discount_plan_list', 'i_discount_plan'],
  ] as const) {
    test(`${sm} is identical on both roles started with the same seed`, async () => {
      const [s, t] = await Promise.all((['source', 'target'] as const).map(async (role) => {
        const { sim, token } = sims[role];
        return list(ok(await restCall(sim.urls.admin, sm, {}, token), sm), key);
      }));
      assert.ok(s!.length > 0, `${sm} is not empty`);
      for (const row of s!) assert.equal(typeof row[idKey], 'number');
      assert.deepEqual(t, s);
    });
  }
});
