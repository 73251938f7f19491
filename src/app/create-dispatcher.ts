import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { withOpsToken } from '../ops/ops-token.ts';
import { followMove } from '../execution/follow-move.ts';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { DispatcherConfig } from '../config/config.ts';
import type { Realm } from '../core/api-call.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import type { LocationResolver } from '../core/location.ts';
import { REALMS, SYSTEMS } from '../core/api-call.ts';
import { EnvCheck } from '../backends/env-check.ts';
import { BackendClient } from '../backends/backend-client.ts';
import { SessionTokens } from '../sessions/session-tokens.ts';
import { assemblePipeline } from './assemble-pipeline.ts';
import type { CallPipeline } from '../execution/pipeline.ts';
import type { SessionOps } from '../execution/session-ops.ts';
import { CutoverHolds } from '../execution/cutover-holds.ts';
import { createApiHandler, refuseUpgrade, type SoapFront } from '../edge/api-handler.ts';
import { createSoapFront } from '../edge/soap-front.ts';
import { SystemWsdls } from '../edge/system-wsdls.ts';
import { createApiDocsProxy } from '../edge/api-docs.ts';
import { IpAllowList } from '../core/ip-allow.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { Metrics } from '../core/metrics.ts';
import { createOpsHandler, type OpsRoute } from './ops-handler.ts';
import { createMigrationsApi } from '../ops/migrations-api.ts';
import { createDashboard } from '../ops/dashboard.ts';
import { createConsole } from '../ops/console/console-api.ts';
import { startMonitoring } from './start-monitoring.ts';
import type { RecentFault } from '../monitoring/recent-events.ts';
import { createLocationsApi } from '../ops/locations-api.ts';
import { CachedDirectory } from '../directory/cached-directory.ts';
import type { OwnedLearner } from '../directory/owned-learner.ts';
import { createLocationResolver } from '../directory/resolver.ts';
import { openStores, type OpenedStores } from './open-stores.ts';
import { newNodeId, VERSION } from './build-info.ts';
import { registerProcessMetrics } from '../monitoring/process-metrics.ts';
import { workerMetricsView } from './cluster-metrics.ts';
import type { LoginThrottle } from '../execution/login-throttle.ts';
import { ServiceClient } from '../backends/service-client.ts';
import { customerReader } from '../migration/learn-customer.ts';
import { Cutover } from '../migration/cutover.ts';
import type { CampaignStore } from '../migration/campaign-store.ts';
import { startCampaigns } from './start-campaigns.ts';
import { createCampaignsApi } from '../ops/campaigns-api.ts';
import { createDriftApi } from '../ops/drift-api.ts';
import { startDrift } from './start-drift.ts';
import { startReconcile } from './start-reconcile.ts';
import { createReconcileApi } from '../ops/reconcile-api.ts';
import { createPortalFront } from '../portal/portal-front.ts';
import { createProvisioningFront } from '../provisioning/provisioning-front.ts';
import { ClientAddress } from '../core/client-address.ts';
import { LeanServer, type LeanRoutes } from '../http/lean-server.ts';
import { answerClientError, refuseUnsupportedTransferCodings } from '../http/transfer-coding.ts';
import { ShutdownState, drainServers, type DrainOutcome } from './graceful-shutdown.ts';

export type DispatcherListener = Realm | 'portasip' | 'ops' | 'portal' | 'provisioning';

export interface DispatcherDeps {
  sessions?: SessionStore;
  /** Default: shared through Redis when `sessions.store` is redis, else this node's memory. */
  loginThrottle?: LoginThrottle;
  directory?: LocationDirectory;
  logger?: Logger;
  /** Extra HTTP fronts added by later capabilities (SOAP, portal, provisioning). */
  soap?: SoapFront;
  /** Campaign state (default: beside the configured directory; memory with an injected one). */
  campaigns?: CampaignStore;
  /** This node's name as a campaign lease owner (default: host, pid and a random part). */
  nodeId?: string;
  /** A node:cluster worker: `/metrics`, the dashboard and the console read every worker's numbers through the primary. */
  clusterWorker?: boolean;
  /** Aborts the start (a signal while the stores are still being opened). */
  signal?: AbortSignal;
}

export interface Dispatcher {
  /** This node's name in its start and stop lines and as a campaign lease owner. */
  nodeId: string;
  handlers: Partial<Record<DispatcherListener, (req: IncomingMessage, res: ServerResponse) => void>>;
  /** The API listeners' REST calls for the lean server. */
  leanRoutes: Partial<Record<DispatcherListener, LeanRoutes>>;
  pipeline: CallPipeline;
  sessionOps: SessionOps;
  holds: CutoverHolds;
  directory: LocationDirectory;
  resolver: LocationResolver;
  sessions: SessionStore;
  metrics: Metrics;
  backends: BackendClient;
  logger: Logger;
  /** Learns owned records from list and info replies, off the reply path (`settled()` waits for it). */
  ownedLearner?: OwnedLearner;
  /** Set once a graceful shutdown begins (/readyz then answers 503). */
  shutdownState: ShutdownState;
  close(): Promise<void>;
}

/** Builds the dispatcher from a validated config; listening is the caller's business. */
export async function createDispatcher(config: DispatcherConfig, deps: DispatcherDeps = {}): Promise<Dispatcher> {
  const logger = deps.logger ?? createLogger(config.log.level);
  const stores = await openStores(config, deps, { logger, signal: deps.signal });
  try {
    return await assemble(config, deps, logger, stores);
  } catch (err) {
    await stores.close();
    throw err;
  }
}

async function assemble(config: DispatcherConfig, deps: DispatcherDeps, logger: Logger, stores: OpenedStores): Promise<Dispatcher> {
  const metrics = new Metrics();
  const nodeId = deps.nodeId ?? newNodeId();
  metrics.gauge('webdispatcher_build_info', 'The running version (always 1; the labels carry the facts)', () => [[{ version: VERSION, node: process.version }, 1]]);
  const { sessions, loginThrottle, directory: store } = stores;
  const processMetrics = registerProcessMetrics(metrics);
  const metricsView = deps.clusterWorker === true ? workerMetricsView(metrics) : undefined;
  const views = metricsView === undefined ? {} : { metricsView };
  // The routing index needs a store whose cache token moves only when changes were missed; a
  // SQLite file shared by cluster workers moves it on every write (see CachedDirectoryOptions.index).
  const sharedSqlite = deps.directory === undefined && config.directory.store === 'sqlite' && config.workers > 1;
  if (config.directory.routingIndex && sharedSqlite) logger.warn('routing index off: a SQLite directory shared by several workers cannot keep it coherent; use directory.store: postgres for a cluster');
  const index = config.directory.routingIndex && !sharedSqlite;
  const cached = config.directory.cacheSize > 0 || index
    ? new CachedDirectory(store, {
      maxEntries: config.directory.cacheSize, index,
      onIndexError: (err) => { logger.warn('could not load the routing index; routing reads the directory', { error: (err as Error).message }); },
    })
    : undefined;
  const directory = cached ?? store;
  const resolver = createLocationResolver({ directory, parity: true, unknownOdd: config.routing.unknownOdd });
  const backends = new BackendClient(config);
  const holds = new CutoverHolds();
  const tokens = new SessionTokens(config.sessions.secret);
  const allow = new IpAllowList(config.security.allow);
  const envCheck = new EnvCheck({
    envs: { source: config.systems.source.env, target: config.systems.target.env },
    service: ServiceClient.fromConfig(config, backends, 'env-check'), refreshMs: config.envCheck.refreshMs, logger,
  });
  // At start, off the start path: an unreachable system must not keep the node from listening.
  if (config.envCheck.atStart) void envCheck.check();
  metrics.gauge('webdispatcher_env_verified', "The system answers the configured i_env, and the other system another one (1), or not or not yet (0)", () =>
    SYSTEMS.map((s) => [{ system: s, status: envCheck.current().systems[s].status }, envCheck.current().systems[s].status === 'verified' ? 1 : 0]));
  const { pipeline, sessionOps, ownedLearner } = assemblePipeline({ config, backends, sessions, tokens, resolver, directory, holds, logger, metrics, allow, loginThrottle, envCheck });

  // Moves begun or ended through any node (this one too) reach the holds here.
  // A failure (calls in flight did not finish in time) rejects: in a cluster this node then
  // withholds its acknowledgement and the begin that caused it is undone.
  const unsubscribe = directory.onChange((change) =>
    followMove(change, directory, holds, config.cutover.holdTimeoutMs).catch((err: unknown) => {
      logger.warn('could not follow a directory change', { iCustomer: change.iCustomer, error: (err as Error).message });
      throw err;
    }));

  if (cached?.indexStats() !== undefined) {
    metrics.gauge('webdispatcher_routing_index_ready', 'The routing index answers (1) or is loading/off (0)', () => [[{}, cached.indexStats()?.ready === true ? 1 : 0]]);
    metrics.gauge('webdispatcher_routing_index_customers', 'Active customers the routing index answers for', () => [[{}, cached.indexStats()?.customers ?? 0]]);
    metrics.gauge('webdispatcher_routing_index_bytes', 'Memory of the routing index table', () => [[{}, cached.indexStats()?.bytes ?? 0]], 'sum');
  }
  metrics.gauge('webdispatcher_held_calls', 'Calls waiting for a cutover to end', () => [[{}, holds.heldCalls()]], 'sum');
  metrics.gauge('webdispatcher_longest_hold_seconds', 'Longest time a call waited for a cutover on this node', () => [[{}, holds.longestHoldMs() / 1000]]);
  metrics.gauge('webdispatcher_moving_customers', 'Customers in cutover on this node', () => [[{}, holds.movingCustomers().length]]);

  const service = ServiceClient.fromConfig(config, backends, 'cutover');
  const learnCustomer = service === undefined ? undefined : customerReader(service);
  const monitoring = startMonitoring({ config, backends, directory, metrics, ...views, ...(service === undefined ? {} : { service }) });
  const cutover = new Cutover({ directory, resolver, holds, logger, metrics, drainTimeoutMs: config.cutover.holdTimeoutMs, events: monitoring.events, ...(learnCustomer ? { learnCustomer } : {}) });
  const campaigns = await startCampaigns(config, { ...deps, nodeId }, { cutover, service, directory, resolver, logger, metrics });
  const wsdls = new SystemWsdls(backends, { preferred: config.routing.defaultContext });
  const drift = startDrift(config, { backends, logger, metrics });
  const reconcile = startReconcile(config, { backends, directory, holds, campaigns: campaigns?.store, logger, metrics });
  const routes: OpsRoute[] = [
    createLocationsApi({ directory, resolver, token: config.ops.token }),
    createConsole({ token: config.ops.token, directory, sessions, holds, metrics, ...views, ...monitoring }),
    createDashboard({ token: config.ops.token, directory, sessions, backends, holds, metrics, ...views }),
    withOpsToken(config.ops.token, createMigrationsApi({ cutover, directory, holds })),
    withOpsToken(config.ops.token, createCampaignsApi(campaigns?.controller)),
    withOpsToken(config.ops.token, createDriftApi(drift)),
    withOpsToken(config.ops.token, createReconcileApi(reconcile)),
  ];
  // SOAP is on by default; WSDL addresses come from each request's (validated) Host header.
  const soap = deps.soap ?? createSoapFront(pipeline, { logger, wsdls });
  const clientAddress = new ClientAddress(config.security.trustedProxies);
  const apiDeps = { pipeline, logger, metrics, allow, clientAddress, bodyLimit: config.limits.bodyBytes, soap, apiDocs: createApiDocsProxy(backends, config), onFault: (f: RecentFault) => monitoring.events.fault(f) };
  const handlers: Dispatcher['handlers'] = {};
  const leanRoutes: Dispatcher['leanRoutes'] = {};
  for (const [name, api] of [...REALMS.map((realm) => [realm, createApiHandler(realm, false, apiDeps)] as const), ['portasip', createApiHandler('admin', true, apiDeps)] as const]) {
    handlers[name] = toListener(api.node);
    leanRoutes[name] = api.lean;
  }
  const shutdownState = new ShutdownState();
  handlers.ops = toListener(createOpsHandler({ sessions, directory, backends, metrics, ...views, routes, envCheck, shutdown: shutdownState, ...(config.ops.publicMetrics ? {} : { metricsToken: config.ops.token }) }));
  const portal = createPortalFront({ config, resolver, backends, logger, throttle: loginThrottle });
  const provisioning = createProvisioningFront({ config, logger });
  handlers.portal = toListener(portal.handle);
  handlers.provisioning = toListener(provisioning.handle);

  return {
    nodeId, handlers, leanRoutes, pipeline, sessionOps, holds, directory, resolver, sessions, metrics, backends, logger, shutdownState,
    ...(ownedLearner === undefined ? {} : { ownedLearner }),
    async close() {
      unsubscribe();
      monitoring.stop();
      processMetrics.stop();
      await campaigns?.close();
      await drift.close();
      await reconcile.close();
      await backends.close();
      await Promise.all([portal.close(), provisioning.close()]);
      await sessions.close();
      await loginThrottle.close();
      await ownedLearner?.settled();
      await directory.close();
    },
  };
}

function toListener(h: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    h(req, res).catch(() => res.destroy());
  };
}

export interface RunningDispatcher {
  dispatcher: Dispatcher;
  urls: Partial<Record<DispatcherListener, string>>;
  /** Stops at once: connections are cut, calls in flight fail. */
  close(): Promise<void>;
  /**
   * Stops gracefully (SIGTERM, config `shutdown`): not ready at once, served while the load
   * balancer takes the node out, calls in flight finish (bounded), keep-alives closed between
   * requests, then the stores are closed. Resolves with what had to be cut.
   */
  shutdown(): Promise<DrainOutcome>;
}

/** Builds the dispatcher and listens on every configured listener (port 0 = ephemeral). */
export async function startDispatcher(config: DispatcherConfig, deps: DispatcherDeps = {}): Promise<RunningDispatcher> {
  const dispatcher = await createDispatcher(config, deps);
  const servers: Array<Server | LeanServer> = [];
  const urls: RunningDispatcher['urls'] = {};
  const { tls: tlsFiles, ...ports } = config.listen as DispatcherConfig['listen'] & Partial<Record<DispatcherListener, number>>;
  const tls = tlsFiles === undefined ? undefined : { cert: readFileSync(tlsFiles.certFile), key: readFileSync(tlsFiles.keyFile) };
  try {
    for (const [name, handler] of Object.entries(dispatcher.handlers) as Array<[DispatcherListener, (req: IncomingMessage, res: ServerResponse) => void]>) {
      const port = (ports as Partial<Record<DispatcherListener, number>>)[name];
      if (port === undefined) continue;
      const options = { keepAliveTimeout: 65_000, requestTimeout: 120_000, headersTimeout: 30_000 };
      const checked = refuseUnsupportedTransferCodings(handler);
      const shutdownState = dispatcher.shutdownState;
      // node:http's half of a graceful shutdown: a reply during one closes its connection.
      const guarded = (req: IncomingMessage, res: ServerResponse) => {
        if (shutdownState.shuttingDown) res.setHeader('connection', 'close');
        checked(req, res);
      };
      const node: Server = tls === undefined ? createServer(options, guarded) : createHttpsServer({ ...options, ...tls }, guarded);
      node.on('upgrade', refuseUpgrade);
      node.on('clientError', answerClientError);
      const lean = dispatcher.leanRoutes[name];
      const server = lean !== undefined && tls === undefined && config.listen.fastPath
        ? new LeanServer(node, lean, {
          keepAliveTimeoutMs: options.keepAliveTimeout, headersTimeoutMs: options.headersTimeout, requestTimeoutMs: options.requestTimeout, maxBodyBytes: config.limits.bodyBytes,
          counters: {
            served: dispatcher.metrics.counter('webdispatcher_fast_path_requests_total', 'Requests served by the lean HTTP server', { listener: name }),
            handedOff: dispatcher.metrics.counter('webdispatcher_fast_path_handoffs_total', 'Connections the lean HTTP server handed to node:http', { listener: name }),
          },
        })
        : node;
      server.listen(port, config.listen.host);
      await once(server, 'listening');
      servers.push(server);
      const addr = server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      urls[name] = `${tls === undefined ? 'http' : 'https'}://${host}:${addr.port}`;
    }
  } catch (err) {
    for (const s of servers) s.close();
    await dispatcher.close();
    throw err;
  }
  const facts = { node: dispatcher.nodeId, version: VERSION, pid: process.pid, listeners: Object.entries(urls).map(([name, url]) => `${name}=${url}`) };
  dispatcher.logger.info('started', facts);
  return {
    dispatcher,
    urls,
    async close() {
      for (const s of servers) {
        s.close();
        s.closeAllConnections();
      }
      await dispatcher.close();
      dispatcher.logger.info('stopped', facts);
    },
    async shutdown() {
      const log = dispatcher.logger;
      log.info('shutting down: not ready, serving while the load balancer drains this node', { notReadyMs: config.shutdown.notReadyMs });
      const outcome = await drainServers(servers, dispatcher.shutdownState, config.shutdown);
      if (outcome.cut > 0) log.warn('shutdown: calls still in flight at the deadline were cut', { connections: outcome.cut, timeoutMs: config.shutdown.timeoutMs });
      await dispatcher.close();
      log.info('stopped', { ...facts, ms: outcome.ms, cut: outcome.cut });
      return outcome;
    },
  };
}
