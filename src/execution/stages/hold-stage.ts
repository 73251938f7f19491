import type { LocationDirectory } from '../../directory/location-directory.ts';
import type { Metrics } from '../../core/metrics.ts';
import type { CutoverHolds } from '../cutover-holds.ts';
import type { Reply } from '../../core/reply.ts';
import type { CallStage } from '../pipeline.ts';
import { planOf } from '../pipeline.ts';
import { dispatcherFault } from '../../core/faults.ts';

/** How many times a held call may be routed again after a move ends (a customer moved back and forth). */
const MAX_REROUTES = 4;

/**
 * Thrown by the admit stage when a call must wait for a customer's cutover. Not an Error: no
 * stack is captured for a signal that never reaches a client.
 */
export class HeldCall {
  readonly iCustomer: number;
  /** The router itself said hold (the directory says `moving`), rather than this node's holds. */
  readonly byPlan: boolean;
  constructor(iCustomer: number, byPlan: boolean) {
    this.iCustomer = iCustomer;
    this.byPlan = byPlan;
  }
}

/**
 * Cutover holds (SPEC §4.4), around locate → route → admit → dispatch: a call for a customer in
 * cutover waits for the move to end and is then located and routed again, so it runs where the
 * customer lives after the move. Waits at most `holdTimeoutMs` in all, then fails with the
 * retryable `customer_migrating` fault.
 */
export function holdStage(holds: CutoverHolds, directory: LocationDirectory | undefined, metrics: Metrics, holdTimeoutMs: number): CallStage {
  /**
   * Reconciles this node's view of a move with the directory before holding: the directory said
   * `moving` before this node heard of it (hold from now on), or this node missed the end of a
   * move (release it rather than hold every call until the timeout).
   */
  const stillMoving = async (held: HeldCall): Promise<boolean> => {
    if (held.byPlan) {
      holds.markMoving(held.iCustomer);
      return true;
    }
    const loc = directory === undefined ? undefined : await directory.getCustomer(held.iCustomer);
    if (loc !== undefined && loc.state === 'moving') return true;
    holds.release(held.iCustomer);
    return false;
  };
  return async (ctx, next) => {
    const deadline = performance.now() + holdTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await next();
      } catch (err) {
        if (!(err instanceof HeldCall)) throw err;
        if (attempt >= MAX_REROUTES) throw dispatcherFault('customerMigrating', `Customer ${err.iCustomer} is being migrated; retry the call shortly`, { retryable: true });
        if (!(await stillMoving(err))) continue;
        metrics.inc('webdispatcher_held_calls_total', 'Calls held during a customer cutover');
        await holds.wait(err.iCustomer, Math.max(1, deadline - performance.now()));
      }
    }
  };
}

/**
 * The gate of a cutover: a call that acts on a customer counts as in flight for that customer
 * until it is answered (so a begin drains it), unless the customer is moving — then the call is
 * held (thrown back to the hold stage). Synchronous with `markMoving` in one event-loop turn.
 */
export function admitStage(holds: CutoverHolds): CallStage {
  return (ctx, next) => {
    const plan = planOf(ctx);
    if (plan.kind === 'hold') throw new HeldCall(plan.iCustomer, true);
    if ((plan.kind !== 'single' && plan.kind !== 'broadcast') || plan.iCustomer === undefined) return next();
    const leave = holds.enter(plan.iCustomer);
    if (leave === undefined) throw new HeldCall(plan.iCustomer, false);
    let running: Promise<Reply>;
    try {
      running = next();
    } catch (err) {
      leave();
      throw err;
    }
    return running.finally(leave);
  };
}
