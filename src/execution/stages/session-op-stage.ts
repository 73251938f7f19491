import type { Reply } from '../../core/reply.ts';
import type { LoginCredentials } from '../../backends/backend-sessions.ts';
import type { CallContext, CallStage } from '../pipeline.ts';
import type { SessionOps } from '../session-ops.ts';
import type { RouterConfig } from '../../routing/route-input.ts';
import type { Authenticator } from './authenticate-stage.ts';
import { route } from '../../routing/router.ts';

/**
 * The dispatcher's own Session service (SPEC §4.2 rule 1) answers here, before authentication
 * (a login has no session yet). A call that carries `auth_info {login, password|token}` instead
 * of a session is a one-shot call: logged in, run, logged out.
 */
export function sessionOpStage(sessionOps: SessionOps, routerConfig: RouterConfig, authenticate: Authenticator): CallStage {
  const oneShot = async (ctx: CallContext, creds: LoginCredentials, next: () => Promise<Reply>): Promise<Reply> => {
    const { session } = await sessionOps.login(ctx.call, creds);
    ctx.session = session;
    try {
      return await next();
    } finally {
      await sessionOps.run('logout', { ...ctx.call, params: { session_id: session.id } }, async () => session).catch(() => undefined);
    }
  };
  return (ctx, next) => {
    const { call } = ctx;
    if (call.service === 'Session' && !call.portasip) {
      const plan = route({ call, session: undefined, locations: [], env: undefined, config: routerConfig });
      if (plan.kind === 'session-op') return sessionOps.run(plan.op, call, () => authenticate(call));
    }
    const c = call.credentials;
    if (c.accessToken !== undefined || c.sessionId !== undefined || c.login === undefined || (c.password === undefined && c.token === undefined)) return next();
    const creds: LoginCredentials = c.password !== undefined ? { login: c.login, password: c.password } : { login: c.login, token: c.token! };
    return oneShot(ctx, creds, next);
  };
}
