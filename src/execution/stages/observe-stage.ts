import type { SystemName } from '../../core/api-call.ts';
import type { CounterSeries, Metrics } from '../../core/metrics.ts';
import type { Reply } from '../../core/reply.ts';
import type { CallContext, CallStage } from '../pipeline.ts';

/**
 * Outermost: counts what the pipeline decided (calls routed by a customer locator, per system).
 * The call's log line and its latency are the front's: a request that fails to decode never
 * reaches the pipeline and is logged all the same.
 */
export function observeStage(metrics: Metrics): CallStage {
  const routed = (system: SystemName) => metrics.counter('webdispatcher_routed_customer_calls_total', 'Calls routed by a customer locator', { system });
  const routedCalls: Record<SystemName, CounterSeries> = { source: routed('source'), target: routed('target') };
  const count = (ctx: CallContext, reply: Reply): Reply => {
    const plan = ctx.plan;
    if (reply.status === 200 && plan !== undefined && plan.kind === 'single' && plan.iCustomer !== undefined) routedCalls[plan.system].inc();
    return reply;
  };
  return (ctx, next) => next().then((reply) => count(ctx, reply));
}
