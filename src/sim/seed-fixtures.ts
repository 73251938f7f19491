import type { SimStore } from './model/sim-store.ts';
import { OFFICE_TYPE } from './model/records.ts';
import { CAPTURE_ACCOUNT, CAPTURE_BRANCH_OFFICES, CAPTURE_CUSTOMER_ID, DEMO_ACCOUNT, DEMO_CUSTOMER } from './demo-fixtures.ts';

/** How far past the main office the branch-office search looks (keeps seeding O(1)). */
const BRANCH_SEARCH_SPAN = 200;

/**
 * Makes customer 7 a main office with branch offices: the next seeded customers with the same
 * parent (PortaBilling keeps an office hierarchy under one reseller), so nothing else changes.
 */
function seedOffices(store: SimStore): void {
  const main = store.getCustomer(CAPTURE_CUSTOMER_ID);
  if (!main) return;
  const space = store.space;
  const from = space.customerIndexOf(CAPTURE_CUSTOMER_ID) + 1;
  const to = Math.min(space.customerCount, from + BRANCH_SEARCH_SPAN);
  let branches = 0;
  for (let k = from; k < to && branches < CAPTURE_BRANCH_OFFICES; k++) {
    const c = store.getCustomer(space.customerIdAt(k));
    if (!c || c.i_parent !== main.i_parent) continue;
    store.putCustomer({ ...c, i_office_type: OFFICE_TYPE.branchOffice, i_main_office: main.i_customer });
    branches++;
  }
  if (branches > 0) store.putCustomer({ ...main, i_office_type: OFFICE_TYPE.mainOffice, i_main_office: null });
}

/**
 * Overlays the documented fixtures on the source's seed: John Doe (customer 1, account 1) and
 * the wire captures' account `alice` of customer 7, and customer 7's branch offices. Not audited as writes.
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
  seedOffices(store);
}
