import type { CallCredentials, JsonObject, Realm } from '../../core/api-call.ts';
import type { SessionManager, SimSession } from '../auth/session-manager.ts';
import { principalUserId } from '../auth/principal.ts';
import { optString } from './params.ts';
import { simFault } from './sim-faults.ts';

/** A token in params (`access_token` / `session_id`) or, failing that, in the call's credentials. */
function tokenOf(params: JsonObject, credentials: CallCredentials): { sessionId?: string; accessToken?: string } {
  const accessToken = optString(params, 'access_token') ?? credentials.accessToken;
  const sessionId = optString(params, 'session_id') ?? credentials.sessionId;
  if (accessToken !== undefined && accessToken !== '') return { accessToken };
  if (sessionId !== undefined && sessionId !== '') return { sessionId };
  return {};
}

function liveSession(sessions: SessionManager, t: { sessionId?: string; accessToken?: string }): SimSession | undefined {
  if (t.sessionId !== undefined) return sessions.live(t.sessionId);
  if (t.accessToken !== undefined) {
    try {
      return sessions.sessionFromToken(t.accessToken);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The `Session/*` methods `sessionCall` answers (documented in the API docs). */
export const SESSION_METHODS: readonly string[] = ['login', 'logout', 'ping', 'refresh_access_token', 'get_session_context', 'set_session_context'];

/**
 * `Session/*`: login, logout, ping, refresh_access_token, get/set_session_context. logout, ping
 * and refresh take their token from params, as real clients send them with no Authorization header.
 */
export function sessionCall(
  sessions: SessionManager,
  env: number,
  realm: Realm,
  method: string,
  params: JsonObject,
  credentials: CallCredentials,
  clientIp: string,
): JsonObject {
  switch (method) {
    case 'login': {
      const login = optString(params, 'login') ?? optString(params, 'user');
      const password = optString(params, 'password');
      const token = optString(params, 'token');
      if (login === undefined || login === '' || (password === undefined && token === undefined)) {
        throw simFault('loginFailed', 'Login needs login (or user) and password (or token)');
      }
      const secret: { password?: string; token?: string } = {};
      if (password !== undefined) secret.password = password;
      if (token !== undefined) secret.token = token;
      return sessions.open(sessions.authenticate(realm, login, secret, clientIp));
    }
    case 'logout': {
      const t = tokenOf(params, credentials);
      if (t.accessToken === undefined && t.sessionId === undefined) throw simFault('envelopeMissed', 'Logout needs access_token or session_id');
      const s = liveSession(sessions, t);
      if (s) sessions.close(s.id);
      return { success: 1 };
    }
    case 'ping': {
      const s = liveSession(sessions, tokenOf(params, credentials));
      return { user_id: s ? principalUserId(s.principal) : 0 };
    }
    case 'refresh_access_token': {
      const rt = optString(params, 'refresh_token');
      if (rt === undefined || rt === '') throw simFault('validation', 'Parameter refresh_token is required');
      return sessions.refresh(rt);
    }
    case 'get_session_context':
    case 'set_session_context': {
      const t = tokenOf(params, credentials);
      if (t.accessToken === undefined && t.sessionId === undefined) throw simFault('envelopeMissed', 'No session: send a session_id or an access token');
      const s = t.accessToken !== undefined ? sessions.sessionFromToken(t.accessToken) : sessions.live(t.sessionId ?? '');
      if (!s) throw simFault('authFailed', 'The session has expired or is unknown; log in again');
      if (method === 'get_session_context') return { session_context: { ...s.context, i_env: env, realm: s.principal.realm, login: s.principal.login } };
      for (const [k, v] of Object.entries(params)) if (k !== 'access_token' && k !== 'session_id') s.context[k] = v;
      return { success: 1 };
    }
    default:
      throw simFault('unknownMethod', `Unknown method Session/${method}`);
  }
}
