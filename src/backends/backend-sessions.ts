import type { Realm, SystemName } from '../core/api-call.ts';
import type { BackendSession } from '../sessions/session.ts';
import { decodeJwtUnverified } from '../sessions/jwt.ts';
import { ApiFault } from '../core/faults.ts';
import { backendFault, type BackendClient } from './backend-client.ts';

export interface BackendLoginResult {
  session: BackendSession;
  /** The JWT payload of the backend's access token (user ids, i_env). */
  claims: Record<string, unknown>;
}

export type LoginCredentials = { login: string; password: string } | { login: string; token: string };

function toBackendSession(json: Record<string, unknown>): BackendLoginResult | undefined {
  const sessionId = typeof json.session_id === 'string' ? json.session_id : undefined;
  const accessToken = typeof json.access_token === 'string' ? json.access_token : undefined;
  if (sessionId === undefined || accessToken === undefined) return undefined;
  const claims = decodeJwtUnverified(accessToken) ?? {};
  const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : 3600;
  const expiresAt = typeof claims.exp === 'number' ? claims.exp : Math.floor(Date.now() / 1000) + expiresIn;
  const session: BackendSession = { sessionId, accessToken, expiresAt };
  if (typeof json.refresh_token === 'string') session.refreshToken = json.refresh_token;
  return { session, claims };
}

/** Logs in to one backend system; a refusal or an outage comes back as an ApiFault (never thrown). */
export async function backendLogin(
  client: BackendClient, system: SystemName, realm: Realm, credentials: LoginCredentials, requestId: string,
): Promise<BackendLoginResult | ApiFault> {
  try {
    const { status, json } = await client.callJson({
      system, listener: realm, path: '/rest/Session/login', body: JSON.stringify({ params: credentials }), requestId, idempotent: false,
    });
    if (status !== 200) return backendFault(json, status);
    return toBackendSession(json) ?? new ApiFault('Server.Dispatcher.backend_unavailable', `The ${system} system's login reply has no session_id/access_token`);
  } catch (err) {
    if (err instanceof ApiFault) return err;
    throw err;
  }
}

/** Renews an expired backend session with its refresh token; undefined when the backend refuses. */
export async function backendRefresh(
  client: BackendClient, system: SystemName, realm: Realm, current: BackendSession, requestId: string,
): Promise<BackendSession | undefined> {
  if (current.refreshToken === undefined) return undefined;
  const { status, json } = await client.callJson({
    system, listener: realm, path: '/rest/Session/refresh_access_token',
    body: JSON.stringify({ params: { refresh_token: current.refreshToken } }), requestId, idempotent: false,
  });
  if (status !== 200) return undefined;
  const renewed = toBackendSession(json);
  if (renewed === undefined) return undefined;
  if (renewed.session.refreshToken === undefined) renewed.session.refreshToken = current.refreshToken;
  return renewed.session;
}

/** Ends a backend session; failures are ignored (the backend session expires on its own). */
export async function backendLogout(client: BackendClient, system: SystemName, realm: Realm, session: BackendSession, requestId: string): Promise<void> {
  try {
    const res = await client.request({
      system, listener: realm, path: '/rest/Session/logout', body: JSON.stringify({ params: { access_token: session.accessToken } }),
      accessToken: session.accessToken, requestId, idempotent: false,
    });
    await res.body.dump();
  } catch {
    // best effort
  }
}
