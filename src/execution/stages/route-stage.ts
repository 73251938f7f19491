import type { SystemName } from '../../core/api-call.ts';
import type { DispatcherSession } from '../../sessions/session.ts';
import type { RouteInput, RouterConfig, RouteSession } from '../../routing/route-input.ts';
import type { CallStage } from '../pipeline.ts';
import { sessionOf } from '../pipeline.ts';
import { route } from '../../routing/router.ts';

export function routeSession(session: DispatcherSession): RouteSession {
  const b = session.backends;
  const available: SystemName[] = b.source === undefined ? (b.target === undefined ? [] : ['target']) : b.target === undefined ? ['source'] : ['source', 'target'];
  const rs: RouteSession = { realm: session.realm, context: session.context, available };
  if (session.pinned !== undefined) rs.pinned = session.pinned;
  if (session.iCustomer !== undefined) rs.iCustomer = session.iCustomer;
  return rs;
}

/** Asks the pure router for the plan (SPEC §4.2) from what the stages before found. */
export function routeStage(config: RouterConfig): CallStage {
  return (ctx, next) => {
    const input: RouteInput = { call: ctx.call, session: routeSession(sessionOf(ctx)), locations: ctx.locations ?? [], retailLocation: ctx.retailLocation, env: ctx.env, config };
    ctx.plan = route(input);
    return next();
  };
}
