import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRequest, hostOf } from '../helpers/wire.ts';
import { login, ok, restCall, sendJson, simsForSuite } from '../helpers/sim.ts';
import { callIn, STYLES, type Row, type Style } from '../helpers/call-styles.ts';
import type { RunningSimulator } from '../../src/sim/contract.ts';

interface MethodRow {
  method: string;
  /** Params for this style (writes that create get a per-style value). */
  params(style: Style): Row;
  /** Whose record it is: a write is audited under this customer. */
  owner: number;
  write: boolean;
  /** What the reply must show (the owner, for reads). */
  check?(reply: Row): void;
}

describe('every owned-record method works in the JSON, form, legacy-path and SOAP styles', () => {
  const start = simsForSuite();
  let sim: RunningSimulator;
  let base: string;
  let session: { session_id: string; access_token: string };
  const table: MethodRow[] = [];

  before(async () => {
    sim = await start({ role: 'source', env: 3, seed: 1, customers: 60 });
    base = sim.urls.admin;
    session = await login(base, { login: 'admin', password: 'demo-admin' });
    const t = session.access_token;
    const find = async (service: string, key: string, pick: (c: number) => Row): Promise<{ owner: number; row: Row }> => {
      for (let c = 1; c < 120; c += 2) {
        const list = ok(await restCall(base, service, pick(c), t))[key];
        if (Array.isArray(list) && list.length > 0) return { owner: c, row: list[0] as Row };
      }
      throw new Error(`no seeded ${key}`);
    };
    const invoice = await find('Invoice/get_invoice_list', 'invoice_list', (c) => ({ i_customer: c }));
    const sub = await find('Customer/get_subscriptions', 'subscriptions', (c) => ({ i_customer: c }));
    const ua = await find('UA/get_ua_list', 'ua_list', (c) => ({ i_customer: c }));
    const counter = await find('Customer/get_vd_counter_list', 'counter_list', (c) => ({ i_customer: c }));
    const free = (ok(await restCall(base, 'DID/get_number_list', { limit: 100 }, t))['number_list'] as Row[]).find((d) => d['i_customer'] === null);
    assert.ok(free);
    const did = free['i_did_number'] as number;
    const named = (field: string, value: unknown) => (reply: Row): void => {
      const text = JSON.stringify(reply);
      assert.ok(text.includes(`"${field}":${JSON.stringify(value)},`) || text.includes(`"${field}":${JSON.stringify(value)}}`), `${field} ${String(value)} in ${text.slice(0, 300)}`);
    };
    table.push(
      { method: 'Account/add_alias', params: (s) => ({ alias_info: { i_master_account: 1, id: `styled-${s}` } }), owner: 1, write: true },
      { method: 'Account/get_alias_list', params: () => ({ i_master_account: 1 }), owner: 1, write: false, check: named('i_master_account', 1) },
      { method: 'Account/delete_alias', params: (s) => ({ alias_info: { i_master_account: 1, id: `styled-${s}` } }), owner: 1, write: true },
      { method: 'DID/assign_did_to_account', params: () => ({ i_did_number: did, i_master_account: 1 }), owner: 1, write: true },
      { method: 'DID/get_number_info', params: () => ({ i_did_number: did }), owner: 1, write: false, check: named('i_customer', 1) },
      { method: 'DID/release_did_from_account', params: () => ({ i_did_number: did }), owner: 1, write: true },
      { method: 'DID/get_number_list', params: () => ({ i_customer: 1 }), owner: 1, write: false, check: named('i_customer', 1) },
      { method: 'AccessControl/create_otp', params: () => ({ send_to: 'account', id: 1, notification_type: 'mail', operation: 'General' }), owner: 1, write: true },
      { method: 'Invoice/get_invoice_info', params: () => ({ i_invoice: invoice.row['i_invoice'] }), owner: invoice.owner, write: false, check: named('i_customer', invoice.owner) },
      { method: 'Invoice/get_invoice_list', params: () => ({ i_customer: invoice.owner }), owner: invoice.owner, write: false, check: named('i_customer', invoice.owner) },
      { method: 'Customer/get_subscriptions', params: () => ({ i_customer: sub.owner }), owner: sub.owner, write: false, check: named('i_customer', sub.owner) },
      { method: 'Customer/update_subscription', params: () => ({ subscription_info: { i_customer_subscription: sub.row['i_customer_subscription'], finish_date: '2099-01-31' } }), owner: sub.owner, write: true },
      { method: 'Customer/close_subscription', params: () => ({ i_customer_subscription: sub.row['i_customer_subscription'] }), owner: sub.owner, write: true },
      { method: 'UA/get_ua_info', params: () => ({ i_ua: ua.row['i_ua'] }), owner: ua.owner, write: false, check: named('i_customer', ua.owner) },
      { method: 'UA/get_ua_list', params: () => ({ i_customer: ua.owner }), owner: ua.owner, write: false, check: named('i_customer', ua.owner) },
      { method: 'UA/update_ua', params: (s) => ({ ua_info: { i_ua: ua.row['i_ua'], description: `set by ${s}` } }), owner: ua.owner, write: true },
      { method: 'Customer/get_vd_counter_list', params: () => ({ i_customer: counter.owner }), owner: counter.owner, write: false, check: named('i_customer', counter.owner) },
      { method: 'Customer/reset_vd_counter', params: () => ({ i_vd_counter: counter.row['i_vd_counter'] }), owner: counter.owner, write: true },
      { method: 'Customer/get_document_list', params: () => ({ i_customer: 1 }), owner: 1, write: false },
    );
  });

  for (const style of STYLES) {
    test(`${style} style: each method answers, reads name the owner, and each write is logged once under its owner`, async () => {
      for (const row of table) {
        const logBefore = await writeCount(row.owner);
        const reply = await callIn(style, base, row.method, row.params(style), session);
        row.check?.(reply);
        const logAfter = await writeCount(row.owner);
        assert.equal(logAfter - logBefore, row.write ? 1 : 0, `${style} ${row.method}: write-log entries under customer ${row.owner}`);
      }
    });
  }

  async function writeCount(iCustomer: number): Promise<number> {
    const r = ok(await sendJson(base, buildRequest('GET', `/sim/write-log?i_customer=${iCustomer}`, [['Host', hostOf(base)]])));
    return r['applied_count'] as number;
  }
});
