import type { Realm, SystemName } from '../core/api-call.ts';

/** A session the dispatcher holds with one backend system on the client's behalf. */
export interface BackendSession {
  sessionId: string;
  accessToken: string;
  refreshToken?: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/**
 * The client's dispatcher session. Admin/reseller sessions map to one backend session per system
 * that accepted the login; retail sessions are pinned to one system. Never holds a password.
 */
export interface DispatcherSession {
  id: string;
  realm: Realm;
  login: string;
  /** Secret half of the refresh token (`<id>.<refreshSecret>`). */
  refreshSecret: string;
  createdAt: number;
  /** Epoch seconds. */
  expiresAt: number;
  /** Admin/reseller: the system that runs calls naming no customer or account. */
  context: SystemName;
  /** Retail: the only system this session may reach. */
  pinned?: SystemName;
  /** Retail identity, used to re-check the location on every call. */
  iCustomer?: number;
  iAccount?: number;
  backends: Partial<Record<SystemName, BackendSession>>;
  /** Systems that refused or could not be reached at login. */
  missing: SystemName[];
  /** The user id the backend reported (i_user / i_customer / i_account); ping answers it. */
  userId: number;
  /** Client address at login (for logs; allow-lists are checked per call). */
  clientIp: string;
}
