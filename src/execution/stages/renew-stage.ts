import type { BackendSession } from '../../sessions/session.ts';
import type { SessionStore } from '../../sessions/session-store.ts';
import type { BackendClient } from '../../backends/backend-client.ts';
import type { Logger } from '../../core/logger.ts';
import type { Reply } from '../../core/reply.ts';
import type { SystemCall, SystemStage } from '../system-call.ts';
import { backendRefresh } from '../../backends/backend-sessions.ts';
import { ApiFault, PortaFaultCode } from '../../core/faults.ts';

/** Backend faults after which a renewed backend session may succeed. */
export const RENEWABLE: ReadonlySet<string> = new Set<string>([PortaFaultCode.authFailed, PortaFaultCode.badAccessToken]);

/** Renewal starts this many seconds before a backend session's expiry. */
const EARLY_SECONDS = 2;

export interface RenewDeps {
  backends: BackendClient;
  sessions: SessionStore;
  logger: Logger;
}

/**
 * Keeps the session's backend session on the called system alive: renewed with its refresh token
 * before a call when it is (nearly) expired, and after a refusal of the token, the call then sent
 * once more (safe: a refused session means the call did not run).
 */
export function renewStage(deps: RenewDeps): SystemStage {
  const renew = async (ctx: SystemCall, current: BackendSession): Promise<BackendSession | undefined> => {
    const { call, session, system } = ctx;
    const renewed = await backendRefresh(deps.backends, system, call.portasip ? 'admin' : call.realm, current, call.requestId).catch(() => undefined);
    if (renewed === undefined) return undefined;
    session.backends[system] = renewed;
    // Only this backend session changes; a session logged out meanwhile stays logged out.
    if ((await deps.sessions.update(session.id, (s) => { s.backends[system] = renewed; })) === undefined) {
      throw new ApiFault(PortaFaultCode.authFailed, 'The session ended (logged out or expired): log in again');
    }
    deps.logger.info('renewed backend session', { requestId: call.requestId, system, realm: session.realm });
    return renewed;
  };
  const retry = async (ctx: SystemCall, next: () => Promise<Reply>): Promise<Reply> => {
    if ((await renew(ctx, ctx.session.backends[ctx.system]!)) === undefined) {
      throw new ApiFault(PortaFaultCode.authFailed, `The ${ctx.system} system ended this session: log in again`);
    }
    delete ctx.faultcode;
    return next();
  };
  const send = (ctx: SystemCall, next: () => Promise<Reply>): Promise<Reply> =>
    next().then((reply) => (reply.status >= 500 && ctx.faultcode !== undefined && RENEWABLE.has(ctx.faultcode) ? retry(ctx, next) : reply));
  return (ctx, next) => {
    const current = ctx.session.backends[ctx.system];
    if (current === undefined) throw new ApiFault(PortaFaultCode.authFailed, `This session has no ${ctx.system} session`);
    if (current.expiresAt <= Date.now() / 1000 + EARLY_SECONDS) return renew(ctx, current).then(() => send(ctx, next));
    return send(ctx, next);
  };
}
