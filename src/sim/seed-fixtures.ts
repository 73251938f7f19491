import type { SimStore } from './model/sim-store.ts';
import { CAPTURE_ACCOUNT, CAPTURE_CUSTOMER_ID, DEMO_ACCOUNT, DEMO_CUSTOMER } from './demo-fixtures.ts';

/**
 * Overlays the documented fixtures on the source's seed: John Doe (customer 1, account 1) and
 * the wire captures' account `alice` of customer 7. Not audited as writes.
 */
export function seedFixtures(store: SimStore): void {
  const john = store.getCustomer(DEMO_CUSTOMER.iCustomer);
  if (john) {
    store.putCustomer({
      ...john,
      login: DEMO_CUSTOMER.login,
      password: DEMO_CUSTOMER.password,
      name: DEMO_CUSTOMER.name,
      firstname: DEMO_CUSTOMER.firstname,
      lastname: DEMO_CUSTOMER.lastname,
      companyname: '',
      email: DEMO_CUSTOMER.email,
      balance: 42.5,
      credit_limit: 100,
      iso_4217: 'USD',
      i_parent: null,
      i_customer_class: 1,
      i_discount_plan: 1,
    });
  }
  const line = store.getAccount(DEMO_ACCOUNT.iAccount);
  if (line && line.i_customer === DEMO_CUSTOMER.iCustomer) {
    store.putAccount({ ...line, id: DEMO_ACCOUNT.id, login: DEMO_ACCOUNT.login, password: DEMO_ACCOUNT.password, email: DEMO_CUSTOMER.email });
  }
  const alice = store.getAccount(CAPTURE_ACCOUNT.iAccount);
  if (alice && alice.i_customer === CAPTURE_CUSTOMER_ID) {
    store.putAccount({ ...alice, login: CAPTURE_ACCOUNT.login, password: CAPTURE_ACCOUNT.password });
  }
}
