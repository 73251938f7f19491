import type { Realm } from '../../core/api-call.ts';

/** Who a session (or a one-shot call) acts as. */
export type SimPrincipal =
  | { realm: 'admin'; login: string; i_user: number }
  | { realm: 'reseller'; login: string; i_user: number; i_customer: number }
  | { realm: 'customer'; login: string; i_customer: number }
  | { realm: 'account'; login: string; i_account: number; i_customer: number };

/** An admin or reseller user (retail users are the customers and accounts themselves). */
export interface SimUser {
  realm: Extract<Realm, 'admin' | 'reseller'>;
  login: string;
  password: string;
  /** API token for `{"login","token"}` logins. */
  token?: string;
  i_user: number;
  /** Reseller only: the reseller's i_customer (its customers' i_parent). */
  i_customer?: number;
  /** When set, calls from any other client address are refused. */
  allowedIps?: string[];
}

/** The id `Session/ping` reports: i_user for staff, i_account / i_customer for retail. */
export function principalUserId(p: SimPrincipal): number {
  switch (p.realm) {
    case 'admin':
    case 'reseller':
      return p.i_user;
    case 'customer':
      return p.i_customer;
    case 'account':
      return p.i_account;
  }
}
