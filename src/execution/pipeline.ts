import type { ApiCall } from '../core/api-call.ts';
import type { Location, Locator } from '../core/location.ts';
import type { Reply } from '../core/reply.ts';
import type { DispatcherSession } from '../sessions/session.ts';
import type { Plan } from '../routing/plan.ts';
import type { RouteInput } from '../routing/route-input.ts';
import type { RawRequestBody } from './raw-request-body.ts';
import { compose, type Stage } from './compose.ts';

/**
 * One API call on its way through the pipeline. Each stage fills in what it finds (the session,
 * the locators and their locations, the plan) for the stages after it.
 */
export interface CallContext {
  readonly call: ApiCall;
  readonly raw: RawRequestBody;
  /** Set by the authenticate stage (or by a one-shot login). */
  session?: DispatcherSession;
  /** Set by the locate stage: what the params name and where each lives. */
  locators?: Locator[];
  locations?: RouteInput['locations'];
  retailLocation?: Location | undefined;
  env?: number | undefined;
  /** Set by the route stage. */
  plan?: Plan;
}

export type CallStage = Stage<CallContext, Reply>;

/** What the fronts (REST on both HTTP faces, SOAP) call: one API call in, its reply out. */
export interface CallPipeline {
  execute(call: ApiCall, raw: RawRequestBody): Promise<Reply>;
}

/** The pipeline of the given stages, in order, in front of the dispatch step. */
export function callPipeline(stages: readonly CallStage[], dispatch: (ctx: CallContext) => Promise<Reply>): CallPipeline {
  const run = compose(stages, dispatch);
  // async: a stage that throws synchronously still gives the front a rejected promise.
  return { execute: async (call, raw) => run({ call, raw }) };
}

/** The session a stage after authentication works with (a programming error if absent). */
export function sessionOf(ctx: CallContext): DispatcherSession {
  const s = ctx.session;
  if (s === undefined) throw new Error(`${ctx.call.service}/${ctx.call.method}: a stage that needs the session runs before authentication`);
  return s;
}

/** The plan a stage after routing works with (a programming error if absent). */
export function planOf(ctx: CallContext): Plan {
  const p = ctx.plan;
  if (p === undefined) throw new Error(`${ctx.call.service}/${ctx.call.method}: a stage that needs the plan runs before routing`);
  return p;
}
