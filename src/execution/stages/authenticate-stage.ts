import type { ApiCall } from '../../core/api-call.ts';
import type { DispatcherSession } from '../../sessions/session.ts';
import type { SessionStore } from '../../sessions/session-store.ts';
import type { SessionTokens } from '../../sessions/session-tokens.ts';
import type { CallStage } from '../pipeline.ts';
import { ApiFault, PortaFaultCode } from '../../core/faults.ts';

/** Finds the client's dispatcher session, or throws the fault clients re-login on. */
export type Authenticator = (call: ApiCall) => Promise<DispatcherSession>;

export function authenticator(sessions: SessionStore, tokens: SessionTokens): Authenticator {
  return async (call) => {
    const c = call.credentials;
    let id: string | undefined;
    if (c.accessToken !== undefined) {
      id = tokens.sessionIdOfAccessToken(c.accessToken);
      if (id === undefined) throw new ApiFault(PortaFaultCode.badAccessToken, 'The access token is malformed or was not issued by this server');
    } else if (c.sessionId !== undefined) {
      id = c.sessionId;
    } else {
      throw new ApiFault(PortaFaultCode.envelopeMissed, 'No session: send auth_info {"session_id"} or an Authorization: Bearer access token');
    }
    const session = await sessions.get(id);
    if (session === undefined || session.realm !== call.realm) throw new ApiFault(PortaFaultCode.authFailed, 'The session is unknown or has expired: log in again');
    return session;
  };
}

/** Puts the caller's session on the context (a one-shot login before it may have set one already). */
export function authenticateStage(authenticate: Authenticator): CallStage {
  return (ctx, next) => {
    if (ctx.session !== undefined) {
      ctx.call.login = ctx.session.login;
      return next();
    }
    return authenticate(ctx.call).then((session) => {
      ctx.session = session;
      ctx.call.login = session.login;
      return next();
    });
  };
}
