/**
 * Demo fixtures: stable credentials and records the README, the demo and end-to-end tests rely on.
 * Changing any of these breaks documented curl examples.
 */

/** Admin user present on both systems. */
export const DEMO_ADMIN = { login: 'admin', password: 'demo-admin', token: 'demo-admin-token', iUser: 1 } as const;

/** Reseller present on both systems; owns a share of the seeded customers (i_parent). */
export const DEMO_RESELLER = { login: 'reseller1', password: 'demo-reseller', iUser: 2, iCustomer: 2_000_000_001 } as const;

/** A second reseller, so tests can prove one reseller cannot see another's customers. */
export const DEMO_RESELLER_2 = { login: 'reseller2', password: 'demo-reseller2', iUser: 3, iCustomer: 2_000_000_002 } as const;

/** Retail customer John Doe, seeded only on the source (i_customer 1). */
export const DEMO_CUSTOMER = {
  iCustomer: 1,
  login: 'john.doe',
  password: 'demo-john',
  name: 'John Doe',
  firstname: 'John',
  lastname: 'Doe',
  email: 'john.doe@example.com',
} as const;

/** John Doe's account (a phone line), seeded only on the source. */
export const DEMO_ACCOUNT = { iAccount: 1, id: '15551230001', login: '15551230001', password: 'demo-john' } as const;

/**
 * Records named by the wire captures (source only): customer 7 exists (a seeded odd id) and one
 * of its accounts has login `alice` / password `secret`.
 */
export const CAPTURE_CUSTOMER_ID = 7;

/**
 * Customer 7 is also a main office (the WebTrit capture lists its branch offices): up to this
 * many of the next seeded customers under the same parent become its branch offices (source only).
 */
export const CAPTURE_BRANCH_OFFICES = 3;
export const CAPTURE_ACCOUNT = { iAccount: 19, login: 'alice', password: 'secret' } as const;

/** Admin credentials the wire captures use (pass as SimulatorOptions.adminCredentials). */
export const CAPTURE_ADMIN = { password: 'adminpw', token: 'admintoken' } as const;
