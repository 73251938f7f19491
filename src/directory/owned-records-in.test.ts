import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ownedRecordsIn } from './owned-records-in.ts';
import type { FoundOwnedRecord } from './owned-records-in.ts';

const cases: Array<[string, string, string, unknown, FoundOwnedRecord[]]> = [
  ['an invoice list names each invoice\'s customer', 'Invoice', 'get_invoice_list',
    { invoice_list: [{ i_invoice: 24, i_customer: 3 }, { i_invoice: 25, i_customer: 3 }] },
    [{ kind: 'invoice', id: 24, owner: { iCustomer: 3 } }, { kind: 'invoice', id: 25, owner: { iCustomer: 3 } }]],
  ['an invoice info names its customer', 'Invoice', 'get_invoice_info', { invoice_info: { i_invoice: 24, i_customer: '3' } },
    [{ kind: 'invoice', id: 24, owner: { iCustomer: 3 } }]],
  ['an xDR list names only accounts: the owner is the account, resolved later', 'Account', 'get_xdr_list',
    { xdr_list: [{ i_xdr: 640, i_account: 10 }], total: 1 }, [{ kind: 'xdr', id: 640, owner: { iAccount: 10 } }]],
  ['a subscription with customer and account keeps both', 'Customer', 'get_subscriptions',
    { subscription_list: [{ i_customer_subscription: 12, i_customer: 3, i_account: 31, i_subscription: 2 }] },
    [{ kind: 'subscription', id: 12, owner: { iCustomer: 3, iAccount: 31 } }]],
  ['get_subscriptions\' `subscriptions` array is a list', 'Customer', 'get_subscriptions',
    { subscriptions: [{ i_customer_subscription: 14, i_customer: 3, i_subscription: 2 }] },
    [{ kind: 'subscription', id: 14, owner: { iCustomer: 3 } }]],
  ['an ESPF collection\'s `items` is a list', 'Invoice', 'get_invoice_list',
    { items: [{ i_invoice: 30, i_customer: 4 }], total: 1 }, [{ kind: 'invoice', id: 30, owner: { iCustomer: 4 } }]],
  ['a DID assigned to an account names the customer and the account (i_master_account)', 'DID', 'get_number_info',
    { number_info: { i_did_number: 77, i_customer: 5, i_master_account: 51 } }, [{ kind: 'did', id: 77, owner: { iCustomer: 5, iAccount: 51 } }]],
  ['an alias names only its master account', 'Account', 'get_alias_list',
    { alias_list: [{ i_alias: 8, i_master_account: 51, id: 'x' }] }, [{ kind: 'alias', id: 8, owner: { iAccount: 51 } }]],
  ['a free DID (no customer, no account) is nobody\'s', 'DID', 'get_number_list',
    { number_list: [{ i_did_number: 78, i_customer: null, i_master_account: null }] }, []],
  ['items without an owner, bad ids and non-list keys are skipped', 'Invoice', 'get_invoice_list',
    { invoice_list: [{ i_invoice: 1 }, { i_invoice: -2, i_customer: 3 }, { i_invoice: 'x', i_customer: 3 }, null, 7, [1]], invoices: [{ i_invoice: 9, i_customer: 3 }] }, []],
  ['odd JSON yields nothing and does not throw', 'X', 'y', null, []],
  ['a top-level array yields nothing', 'X', 'y', [{ i_invoice: 1, i_customer: 2 }], []],
  ['a list that is not an array yields nothing', 'X', 'y', { invoice_list: { i_invoice: 1, i_customer: 2 } }, []],
];

describe('owned records in a reply', () => {
  for (const [name, service, method, reply, expected] of cases) {
    it(name, () => { assert.deepEqual(ownedRecordsIn(service, method, reply), expected); });
  }

  it('walks no more than maxItems items', () => {
    const reply = { xdr_list: Array.from({ length: 10_000 }, (_, i) => ({ i_xdr: i + 1, i_account: 5 })) };
    assert.equal(ownedRecordsIn('Account', 'get_xdr_list', reply, 50).length, 50);
    assert.equal(ownedRecordsIn('Account', 'get_xdr_list', reply, 0).length, 0);
  });
});
