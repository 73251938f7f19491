import type { Realm, SystemName } from '../core/api-call.ts';

import type { PagingMode } from '../core/api-call.ts';

export type { PagingMode };
export type UnknownOddPolicy = 'assume-source' | 'discover';
export type PartialMergePolicy = 'fail' | 'partial';

export interface SystemConfig {
  env: number;
  urls: Record<Realm | 'portasip', string> & { portal?: string; provisioning?: string };
}

/** The dispatcher's whole configuration, validated once at start and then frozen. */
export interface DispatcherConfig {
  systems: Record<SystemName, SystemConfig>;
  listen: {
    host: string;
    admin: number;
    reseller: number;
    customer: number;
    account: number;
    portasip: number;
    ops: number;
    portal?: number;
    provisioning?: number;
    /** Terminate TLS on every listener with this PEM certificate chain and key. */
    tls?: { certFile: string; keyFile: string };
    /**
     * Serve REST calls on the API listeners with the lean HTTP/1.1 server (src/http), handing
     * anything else to node:http; false = node:http only. Plain HTTP only: TLS listeners use node:https.
     */
    fastPath: boolean;
  };
  routing: {
    /** Context of a new admin/reseller session (default `source`). */
    defaultContext: SystemName;
    /** `per-system` (PortaBilling's documented behaviour, default) or `exact`. */
    paging: PagingMode;
    /** How odd ids without a directory entry resolve (default `assume-source`). */
    unknownOdd: UnknownOddPolicy;
    /** `Service/method` names merged from both systems (default `Customer/get_customer_list`). */
    listMerge: string[];
    /** Services sent to both systems when called on the REST listeners (PortaSIP listener: always). */
    broadcastServices: string[];
    /** When one system fails during a merge: `fail` (default) or `partial` with a marker header. */
    partialMerge: PartialMergePolicy;
    /**
     * An admin/reseller write whose params name no record the dispatcher can place and no i_env:
     * `refuse` (default: a fault says what to send) or run in the session's `context`.
     */
    unroutableWrites: 'refuse' | 'context';
    /**
     * An admin's add/update/delete of a shared configuration entity (products, classes, plans…)
     * runs on the source, then on the target with the same ID (default false: the session's context only).
     */
    mirrorConfigWrites: boolean;
  };
  timeouts: { connectMs: number; headersMs: number; bodyMs: number };
  limits: { bodyBytes: number; connectionsPerBackend: number };
  sessions: { store: 'memory' | 'redis'; redisUrl: string; ttlSeconds: number; secret: string };
  directory: {
    store: 'memory' | 'sqlite' | 'postgres'; sqlitePath: string; databaseUrl: string; schema: string; cacheSize: number; routingIndex: boolean;
    /** PostgreSQL: bound of one query or connection attempt; an unreachable server is then a retryable fault, not a hang. */
    queryTimeoutMs: number;
  };
  cutover: { holdTimeoutMs: number };
  /**
   * Graceful shutdown on SIGTERM: the node reports not ready at once and keeps serving for
   * `notReadyMs` (long enough for the load balancer's health checks to take it out), then stops
   * accepting, closes idle keep-alive connections and gives calls in flight up to `timeoutMs`.
   */
  shutdown: { notReadyMs: number; timeoutMs: number };
  campaigns: {
    /** Copy step of a campaign created without `copy` (`sim` in the demo; absent: `copy` is required). */
    defaultCopy?: 'sim';
    /** Programs a `command` copy step may run (exact paths); empty = `command` refused. */
    commands: string[];
    /** Driver lease in ms (default 15,000): how long a dead node's campaigns wait for another node. */
    leaseMs: number;
  };
  ops: {
    token: string;
    /** `/metrics` without the ops token (default true); false = it needs `Authorization: Bearer <ops.token>` too. */
    publicMetrics: boolean;
    /** Console: active check of every backend listener, every this many ms (default 10,000). */
    checkIntervalMs: number;
    /** Console: each system's own customer count and the directory's, every this many ms (default 60,000). */
    totalsIntervalMs: number;
    /** Console: one step of the traffic charts (default 10,000; an hour is kept). */
    trafficStepMs: number;
    /**
     * An admin login the dispatcher uses for its own lookups (a cutover's account list); API token
     * preferred. Absent: `begin` relies on the accounts the directory already knows.
     */
    serviceLogin?: { login: string; token?: string; password?: string };
  };
  security: {
    /** Per realm (and optionally `realm:login`) lists of allowed client IPs/CIDRs; absent = all. */
    allow: Record<string, string[]>;
    loginFailures: { max: number; windowSeconds: number };
    /** Load balancers whose X-Forwarded-For is believed (IPs/CIDRs); empty = the socket address is the client. */
    trustedProxies: string[];
  };
  provisioning: { fallbackToSource: boolean };
  /** Configuration drift between the systems (needs `ops.serviceLogin`). */
  drift: {
    /** A comparison every this many ms (default 3,600,000, the first a minute after start); 0 = only on demand. */
    intervalMs: number;
    /** Entity types compared (default: every known type). */
    entities: string[];
    /** Left out of every comparison: `field` (any type, any depth) or `type:path` (e.g. `product:info_url`). */
    excludeFields: string[];
    /** Rows per list call (default 500). */
    pageSize: number;
    /** Entities listed per type and kind of difference (default 1000); counts stay exact. */
    maxListed: number;
    /** More types, named by PortaBilling's convention (`<Service>/get_<name>_list`). */
    extraEntities: Array<{ name: string; service: string; idField: string }>;
    /** WSDLs compared between the systems at every run (`CustomerAdminService.wsdl`, …). */
    wsdls: string[];
  };
  /** Each system's `env` checked against what the system answers (needs `ops.serviceLogin`). */
  envCheck: {
    /** A readiness probe re-checks when the last check is older than this (default 30,000 ms); 0 = on every probe. */
    refreshMs: number;
    /** Ask both systems once at start (default true); off, the first admin login shows each i_env, or a readiness probe asks. */
    atStart: boolean;
  };
  /** The location directory reconciled with the systems' customer lists (needs `ops.serviceLogin`). */
  reconcile: {
    /** A report-only run every this many ms (default 0 = off; only on demand). */
    intervalMs: number;
    /** Customers per list call (default 1000). */
    pageSize: number;
    /** Customer ids listed per kind of finding (default 1000); counts stay exact. */
    maxListed: number;
  };
  /** Worker processes (node:cluster); 1 = in-process. */
  workers: number;
  log: { level: 'debug' | 'info' | 'warn' | 'error' | 'silent' };
}
