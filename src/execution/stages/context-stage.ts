import type { SessionStore } from '../../sessions/session-store.ts';
import type { CallStage } from '../pipeline.ts';
import { planOf, sessionOf } from '../pipeline.ts';
import { ApiFault, PortaFaultCode, dispatcherFault } from '../../core/faults.ts';
import type { EnvCheck } from '../../backends/env-check.ts';

/**
 * Rule 6's sticky context: a call that switched the session's context (by its i_env) stores the
 * new context before it runs, so the session's next calls go there too (on any node).
 */
export function contextStage(sessions: SessionStore, envCheck?: EnvCheck): CallStage {
  return (ctx, next) => {
    const plan = planOf(ctx);
    if (plan.kind !== 'single' || plan.switchContext !== true) return next();
    const session = sessionOf(ctx);
    const system = plan.system;
    if (session.context === system || session.pinned !== undefined || session.backends[system] === undefined) return next();
    // A wrong environment mapping would send the session's next calls to the wrong system.
    const refused = envCheck?.refusal(system);
    if (refused !== undefined) throw dispatcherFault('envUnverified', refused);
    session.context = system;
    return sessions.update(session.id, (s) => { s.context = system; }).then((stored) => {
      if (stored === undefined) throw new ApiFault(PortaFaultCode.authFailed, 'The session ended (logged out or expired): log in again');
      return next();
    });
  };
}
