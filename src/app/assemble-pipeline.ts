import type { DispatcherConfig } from '../config/config.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import type { SessionTokens } from '../sessions/session-tokens.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import type { LocationResolver } from '../core/location.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import type { IpAllowList } from '../core/ip-allow.ts';
import type { RouterConfig } from '../routing/route-input.ts';
import type { EnvCheck } from '../backends/env-check.ts';
import type { CutoverHolds } from '../execution/cutover-holds.ts';
import { callPipeline, type CallPipeline } from '../execution/pipeline.ts';
import { SessionOps } from '../execution/session-ops.ts';
import type { LoginThrottle } from '../execution/login-throttle.ts';
import { MemoryLoginThrottle } from '../execution/memory-login-throttle.ts';
import { systemCaller, sendToSystem, type SystemCaller } from '../execution/system-call.ts';
import { renewStage } from '../execution/stages/renew-stage.ts';
import { learnStage } from '../execution/stages/learn-stage.ts';
import { OwnedLearner } from '../directory/owned-learner.ts';
import { accountOwnerReader } from '../execution/discover.ts';
import { observeStage } from '../execution/stages/observe-stage.ts';
import { sessionOpStage } from '../execution/stages/session-op-stage.ts';
import { authenticateStage, authenticator } from '../execution/stages/authenticate-stage.ts';
import { allowStage, checkAllowed } from '../execution/stages/allow-stage.ts';
import { holdStage, admitStage } from '../execution/stages/hold-stage.ts';
import { locateStage } from '../execution/stages/locate-stage.ts';
import { routeStage } from '../execution/stages/route-stage.ts';
import { contextStage } from '../execution/stages/context-stage.ts';
import { mirrorStage } from '../execution/stages/mirror-stage.ts';
import { dispatcher } from '../execution/dispatch.ts';

export interface PipelineDeps {
  config: DispatcherConfig;
  backends: BackendClient;
  sessions: SessionStore;
  tokens: SessionTokens;
  resolver: LocationResolver;
  directory?: LocationDirectory;
  holds: CutoverHolds;
  logger: Logger;
  metrics: Metrics;
  allow: IpAllowList;
  /** Shared login throttle (Redis in a cluster); default: this node's memory. */
  loginThrottle?: LoginThrottle;
  /** The environment mapping check: context switches to an unverified environment are refused. */
  envCheck?: EnvCheck;
}

export interface AssembledPipeline {
  pipeline: CallPipeline;
  sessionOps: SessionOps;
  /** The backend call chain (send, with renewal and learning around it). */
  callSystem: SystemCaller;
  /** Learns owned records from replies (undefined without a directory). */
  ownedLearner?: OwnedLearner;
}

export function routerConfigOf(config: DispatcherConfig): RouterConfig {
  return {
    envs: { source: config.systems.source.env, target: config.systems.target.env },
    listMerge: new Set(config.routing.listMerge),
    broadcastServices: new Set(config.routing.broadcastServices),
    paging: config.routing.paging,
    unroutableWrites: config.routing.unroutableWrites,
  };
}

/**
 * The call pipeline, in order (each stage one file under src/execution/stages/):
 * observe → session ops (and one-shot logins) → authenticate → allow → hold (reroutes) → locate →
 * route → admit (cutover gate) → context → [mirror, with routing.mirrorConfigWrites] → dispatch, where every backend call runs
 * learn → renew → send.
 */
export function assemblePipeline(d: PipelineDeps): AssembledPipeline {
  const routerConfig = routerConfigOf(d.config);
  const sessionOps = new SessionOps({ ...d, throttle: d.loginThrottle ?? new MemoryLoginThrottle(d.config.security.loginFailures) });
  const authenticate = authenticator(d.sessions, d.tokens);
  const allowedSession: typeof authenticate = async (call) => {
    const session = await authenticate(call);
    checkAllowed(d.allow, session, call);
    return session;
  };
  const ownedLearner = d.directory === undefined ? undefined : new OwnedLearner(d.directory, d.logger);
  const backendStages = d.directory === undefined
    ? [renewStage(d)]
    : [learnStage(d.directory, d.logger, ownedLearner, accountOwnerReader(d.backends)), renewStage(d)];
  const callSystem = systemCaller(backendStages, sendToSystem(d.backends));
  const pipeline = callPipeline([
    observeStage(d.metrics),
    sessionOpStage(sessionOps, routerConfig, allowedSession),
    authenticateStage(authenticate),
    allowStage(d.allow),
    holdStage(d.holds, d.directory, d.metrics, d.config.cutover.holdTimeoutMs),
    locateStage(d.resolver, d.backends),
    routeStage(routerConfig),
    admitStage(d.holds),
    contextStage(d.sessions, d.envCheck),
    ...(d.config.routing.mirrorConfigWrites ? [mirrorStage(callSystem, d.metrics, d.logger)] : []),
  ], dispatcher({ config: d.config, resolver: d.resolver, logger: d.logger, metrics: d.metrics, sessionOps, callSystem }));
  return { pipeline, sessionOps, callSystem, ...(ownedLearner === undefined ? {} : { ownedLearner }) };
}
