import type { SystemName } from '../core/api-call.ts';
import type { DispatcherConfig } from '../config/config.ts';
import type { LocationResolver } from '../core/location.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import type { Reply } from '../core/reply.ts';
import type { CallContext } from './pipeline.ts';
import type { SessionOps } from './session-ops.ts';
import type { SystemCaller } from './system-call.ts';
import { planOf, sessionOf } from './pipeline.ts';
import { dispatcherFault } from '../core/faults.ts';
import { singlePayload } from './raw-request-body.ts';
import { mergeLists } from './merge-list.ts';
import { broadcast } from './broadcast.ts';

export interface DispatchDeps {
  config: DispatcherConfig;
  resolver: LocationResolver;
  logger: Logger;
  metrics: Metrics;
  sessionOps: SessionOps;
  callSystem: SystemCaller;
}

/** The plan names of single-system rules, built once. */
const PLAN_OF_RULE: Record<string, string> = { retail: 'single:retail', locator: 'single:locator', 'env-switch': 'single:env-switch', context: 'single:context' };

/** The end of the pipeline: carries the plan out (one system, a merge, a broadcast, a session op, a refusal). */
export function dispatcher(deps: DispatchDeps): (ctx: CallContext) => Promise<Reply> {
  const single = (ctx: CallContext, system: SystemName, rule: string): Promise<Reply> => {
    const session = sessionOf(ctx);
    const { call } = ctx;
    if (session.backends[system] === undefined) {
      throw dispatcherFault('backendUnavailable', `Cannot run ${call.service}/${call.method} on the ${system} system: this session has no ${system} session (it was unavailable at login); log in again`, { retryable: true });
    }
    return deps.callSystem({ call, session, system, payload: singlePayload(call, ctx.raw), plan: PLAN_OF_RULE[rule] ?? `single:${rule}` });
  };
  return async (ctx) => {
    const plan = planOf(ctx);
    const { call, raw } = ctx;
    switch (plan.kind) {
      case 'refuse':
        throw plan.fault;
      case 'single':
        return single(ctx, plan.system, plan.rule);
      case 'merge':
        return mergeLists({ ...deps, call, raw, session: sessionOf(ctx), systems: plan.systems, paging: plan.paging });
      case 'broadcast':
        return broadcast({ callSystem: deps.callSystem, call, raw, session: sessionOf(ctx), systems: plan.systems });
      case 'session-op': {
        const session = sessionOf(ctx);
        return deps.sessionOps.run(plan.op, call, async () => session);
      }
      case 'hold':
        throw new Error(`${call.service}/${call.method}: a hold plan reached dispatch (the admit stage must run before it)`);
    }
  };
}
