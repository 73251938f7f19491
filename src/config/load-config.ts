import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { DispatcherConfig, SystemConfig } from './config.ts';
import { REALMS, SYSTEMS } from '../core/api-call.ts';
import { BUILT_IN_CONFIG_ENTITY_TYPES, ENTITY_NAME, ID_FIELD, SERVICE_NAME } from '../core/config-entity-types.ts';

/** All the problems found in a config, reported at once. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads values out of an untrusted object, collecting every problem instead of stopping at the first. */
class Reader {
  readonly problems: string[] = [];

  section(raw: Raw, key: string, required = false, parent = ''): Raw {
    const v = raw[key];
    const where = parent === '' ? key : `${parent}.${key}`;
    if (v === undefined || v === null) {
      if (required) this.problems.push(`${where}: is required`);
      return {};
    }
    if (!isObject(v)) {
      this.problems.push(`${where}: must be a mapping, got ${JSON.stringify(v)}`);
      return {};
    }
    return v;
  }

  int(raw: Raw, path: string, key: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.problems.push(`${path}.${key}: must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  }

  /** A period in milliseconds where 0 turns the periodic job off. */
  periodMs(raw: Raw, path: string, key: string, fallback: number, min: number, max: number): number {
    const v = this.int(raw, path, key, fallback, 0, max);
    if (v > 0 && v < min) {
      this.problems.push(`${path}.${key}: must be 0 (off) or at least ${min}, got ${v}`);
      return fallback;
    }
    return v;
  }

  str(raw: Raw, path: string, key: string, fallback: string): string {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v === '') {
      this.problems.push(`${path}.${key}: must be a non-empty string, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  }

  bool(raw: Raw, path: string, key: string, fallback: boolean): boolean {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') {
      this.problems.push(`${path}.${key}: must be true or false, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  }

  oneOf<T extends string>(raw: Raw, path: string, key: string, allowed: readonly T[], fallback: T): T {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.problems.push(`${path}.${key}: must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v as T;
  }

  strings(raw: Raw, path: string, key: string, fallback: string[]): string[] {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      this.problems.push(`${path}.${key}: must be a list of strings, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v as string[];
  }

  url(raw: Raw, path: string, key: string, required: boolean): string {
    const v = raw[key];
    if (v === undefined) {
      if (required) this.problems.push(`${path}.${key}: is required (an http:// or https:// URL)`);
      return '';
    }
    if (typeof v !== 'string') {
      this.problems.push(`${path}.${key}: must be a URL string, got ${JSON.stringify(v)}`);
      return '';
    }
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      return u.origin;
    } catch {
      this.problems.push(`${path}.${key}: is not an http(s) URL: ${JSON.stringify(v)}`);
      return '';
    }
  }
}

function readSystem(r: Reader, systems: Raw, name: string): SystemConfig {
  const raw = r.section(systems, name, true, 'systems');
  const path = `systems.${name}`;
  const env = r.int(raw, path, 'env', 0, 1);
  if (raw.env === undefined) r.problems.push(`${path}.env: is required (the system's i_env)`);
  const urlsRaw = r.section(raw, 'urls', true, `systems.${name}`);
  const urls: Record<string, string> = {};
  for (const realm of [...REALMS, 'portasip'] as const) urls[realm] = r.url(urlsRaw, `${path}.urls`, realm, true);
  for (const optional of ['portal', 'provisioning'] as const) {
    const u = r.url(urlsRaw, `${path}.urls`, optional, false);
    if (u) urls[optional] = u;
  }
  return { env, urls: urls as SystemConfig['urls'] };
}

/** Validates a parsed config object; throws ConfigError listing every problem. */
export function validateConfig(input: unknown): DispatcherConfig {
  const r = new Reader();
  const raw: Raw = isObject(input) ? input : {};
  if (!isObject(input)) r.problems.push('the config must be a YAML mapping');
  const known = new Set(['systems', 'listen', 'routing', 'timeouts', 'limits', 'sessions', 'directory', 'cutover', 'shutdown', 'campaigns', 'ops', 'security', 'provisioning', 'workers', 'log', 'drift', 'envCheck', 'reconcile']);
  for (const key of Object.keys(raw)) if (!known.has(key)) r.problems.push(`${key}: unknown setting`);

  const systemsRaw = r.section(raw, 'systems', true);
  const source = readSystem(r, systemsRaw, 'source');
  const target = readSystem(r, systemsRaw, 'target');
  if (source.env !== 0 && source.env === target.env) r.problems.push(`systems: source and target must have different env ids, both are ${source.env}`);

  const listenRaw = r.section(raw, 'listen');
  const port = (key: string, fallback: number) => r.int(listenRaw, 'listen', key, fallback, 0, 65535);
  const listen: DispatcherConfig['listen'] = {
    host: r.str(listenRaw, 'listen', 'host', '127.0.0.1'),
    admin: port('admin', 0), reseller: port('reseller', 0), customer: port('customer', 0), account: port('account', 0),
    portasip: port('portasip', 0), ops: port('ops', 0),
    fastPath: r.bool(listenRaw, 'listen', 'fastPath', true),
  };
  if (listenRaw.tls !== undefined) {
    const tls = r.section(listenRaw, 'tls', false, 'listen');
    const certFile = r.str(tls, 'listen.tls', 'certFile', '');
    const keyFile = r.str(tls, 'listen.tls', 'keyFile', '');
    for (const [k, f] of [['certFile', certFile], ['keyFile', keyFile]] as const) {
      if (f === '') r.problems.push(`listen.tls.${k}: is required with listen.tls`);
      else {
        try {
          readFileSync(f);
        } catch (err) {
          r.problems.push(`listen.tls.${k}: cannot read ${f}: ${(err as Error).message}`);
        }
      }
    }
    listen.tls = { certFile, keyFile };
  }
  if (listenRaw.portal !== undefined) listen.portal = port('portal', 0);
  if (listenRaw.provisioning !== undefined) listen.provisioning = port('provisioning', 0);

  const routingRaw = r.section(raw, 'routing');
  const routing: DispatcherConfig['routing'] = {
    defaultContext: r.oneOf(routingRaw, 'routing', 'defaultContext', SYSTEMS, 'source'),
    paging: r.oneOf(routingRaw, 'routing', 'paging', ['per-system', 'exact'] as const, 'per-system'),
    unknownOdd: r.oneOf(routingRaw, 'routing', 'unknownOdd', ['assume-source', 'discover'] as const, 'assume-source'),
    listMerge: r.strings(routingRaw, 'routing', 'listMerge', ['Customer/get_customer_list']),
    broadcastServices: r.strings(routingRaw, 'routing', 'broadcastServices', ['Voicemail', 'AutoAttendant', 'Conference', 'CallControl']),
    partialMerge: r.oneOf(routingRaw, 'routing', 'partialMerge', ['fail', 'partial'] as const, 'fail'),
    unroutableWrites: r.oneOf(routingRaw, 'routing', 'unroutableWrites', ['refuse', 'context'] as const, 'refuse'),
    mirrorConfigWrites: r.bool(routingRaw, 'routing', 'mirrorConfigWrites', false),
  };
  for (const m of routing.listMerge) if (!/^[A-Za-z]+\/[a-z_]+$/.test(m)) r.problems.push(`routing.listMerge: "${m}" is not Service/method`);

  const t = r.section(raw, 'timeouts');
  const timeouts = { connectMs: r.int(t, 'timeouts', 'connectMs', 2000, 1), headersMs: r.int(t, 'timeouts', 'headersMs', 30000, 1), bodyMs: r.int(t, 'timeouts', 'bodyMs', 60000, 1) };
  const l = r.section(raw, 'limits');
  const limits = { bodyBytes: r.int(l, 'limits', 'bodyBytes', 1024 * 1024, 1024), connectionsPerBackend: r.int(l, 'limits', 'connectionsPerBackend', 64, 1, 10000) };

  const s = r.section(raw, 'sessions');
  const sessions: DispatcherConfig['sessions'] = {
    store: r.oneOf(s, 'sessions', 'store', ['memory', 'redis'] as const, 'memory'),
    redisUrl: r.str(s, 'sessions', 'redisUrl', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
    ttlSeconds: r.int(s, 'sessions', 'ttlSeconds', 3600, 10),
    // A random secret is fine for one node; a cluster must share one (checked below).
    secret: r.str(s, 'sessions', 'secret', randomBytes(32).toString('base64url')),
  };
  if (s.secret !== undefined && typeof s.secret === 'string' && s.secret.length < 16) r.problems.push('sessions.secret: must be at least 16 characters');

  const d = r.section(raw, 'directory');
  const directory: DispatcherConfig['directory'] = {
    store: r.oneOf(d, 'directory', 'store', ['memory', 'sqlite', 'postgres'] as const, 'sqlite'),
    sqlitePath: r.str(d, 'directory', 'sqlitePath', 'webdispatcher-directory.sqlite'),
    databaseUrl: r.str(d, 'directory', 'databaseUrl', process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'),
    schema: r.str(d, 'directory', 'schema', 'webdispatcher'),
    cacheSize: r.int(d, 'directory', 'cacheSize', 100_000, 0),
    routingIndex: r.bool(d, 'directory', 'routingIndex', true),
    queryTimeoutMs: r.int(d, 'directory', 'queryTimeoutMs', 5000, 100, 600_000),
  };

  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(directory.schema)) r.problems.push(`directory.schema: must be lower-case letters, digits and _ (at most 41), got ${JSON.stringify(directory.schema)}`);
  const c = r.section(raw, 'cutover');
  const cutover = { holdTimeoutMs: r.int(c, 'cutover', 'holdTimeoutMs', 10_000, 1) };
  const sd = r.section(raw, 'shutdown');
  const shutdown = { notReadyMs: r.int(sd, 'shutdown', 'notReadyMs', 3000, 0, 600_000), timeoutMs: r.int(sd, 'shutdown', 'timeoutMs', 30_000, 0, 3_600_000) };
  const cp = r.section(raw, 'campaigns');
  const campaigns: DispatcherConfig['campaigns'] = { commands: r.strings(cp, 'campaigns', 'commands', []), leaseMs: r.int(cp, 'campaigns', 'leaseMs', 15_000, 1000, 600_000) };
  if (cp.defaultCopy !== undefined) campaigns.defaultCopy = r.oneOf(cp, 'campaigns', 'defaultCopy', ['sim'] as const, 'sim');
  const o = r.section(raw, 'ops');
  const ops: DispatcherConfig['ops'] = { token: r.str(o, 'ops', 'token', randomBytes(18).toString('base64url')), publicMetrics: r.bool(o, 'ops', 'publicMetrics', true),
    checkIntervalMs: r.periodMs(o, 'ops', 'checkIntervalMs', 10_000, 100, 3_600_000),
    totalsIntervalMs: r.periodMs(o, 'ops', 'totalsIntervalMs', 60_000, 100, 86_400_000),
    trafficStepMs: r.periodMs(o, 'ops', 'trafficStepMs', 10_000, 100, 600_000),
  };
  if (o.serviceLogin !== undefined) {
    const sl = r.section(o, 'serviceLogin', false, 'ops');
    const login = r.str(sl, 'ops.serviceLogin', 'login', '');
    const svc: NonNullable<DispatcherConfig['ops']['serviceLogin']> = { login };
    if (sl.token !== undefined) svc.token = r.str(sl, 'ops.serviceLogin', 'token', '');
    if (sl.password !== undefined) svc.password = r.str(sl, 'ops.serviceLogin', 'password', '');
    if (svc.token === undefined && svc.password === undefined) r.problems.push('ops.serviceLogin: needs a token or a password');
    ops.serviceLogin = svc;
  }
  if (typeof o.token === 'string' && o.token.length < 12) r.problems.push('ops.token: must be at least 12 characters');

  const sec = r.section(raw, 'security');
  const allowRaw = r.section(sec, 'allow', false, 'security');
  const allow: Record<string, string[]> = {};
  for (const key of Object.keys(allowRaw)) {
    const list = r.strings(allowRaw, 'security.allow', key, []);
    for (const entry of list) if (!isIpOrCidr(entry)) r.problems.push(`security.allow.${key}: "${entry}" is not an IP address or CIDR`);
    allow[key] = list;
  }
  const lf = r.section(sec, 'loginFailures', false, 'security');
  const trustedProxies = r.strings(sec, 'security', 'trustedProxies', []);
  for (const entry of trustedProxies) if (!isIpOrCidr(entry)) r.problems.push(`security.trustedProxies: "${entry}" is not an IP address or CIDR`);
  const security = { allow, loginFailures: { max: r.int(lf, 'security.loginFailures', 'max', 10, 1), windowSeconds: r.int(lf, 'security.loginFailures', 'windowSeconds', 300, 1) }, trustedProxies };

  const p = r.section(raw, 'provisioning');
  const provisioning = { fallbackToSource: r.bool(p, 'provisioning', 'fallbackToSource', true) };
  const drift = readDrift(r, r.section(raw, 'drift'));
  const ec = r.section(raw, 'envCheck');
  const envCheck = { refreshMs: r.int(ec, 'envCheck', 'refreshMs', 30_000, 0, 86_400_000), atStart: r.bool(ec, 'envCheck', 'atStart', true) };
  const rc = r.section(raw, 'reconcile');
  const reconcile = {
    intervalMs: r.int(rc, 'reconcile', 'intervalMs', 0, 0, 7 * 86_400_000),
    pageSize: r.int(rc, 'reconcile', 'pageSize', 1000, 1, 10_000),
    maxListed: r.int(rc, 'reconcile', 'maxListed', 1000, 1, 1_000_000),
  };
  if (reconcile.intervalMs > 0 && reconcile.intervalMs < 60_000) r.problems.push(`reconcile.intervalMs: must be 0 (off) or at least 60000, got ${reconcile.intervalMs}`);
  const workers = r.int(raw, '', 'workers', 1, 1, 64);
  const lg = r.section(raw, 'log');
  const log = { level: r.oneOf(lg, 'log', 'level', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info') };

  if (workers > 1 && sessions.store === 'memory') r.problems.push('sessions.store: workers > 1 needs a shared session store (redis): a session made by one worker must be seen by all');
  if (workers > 1 && directory.store === 'memory') r.problems.push('directory.store: workers > 1 needs a shared directory (sqlite or postgres)');
  if ((workers > 1 || sessions.store === 'redis') && s.secret === undefined) {
    r.problems.push('sessions.secret: is required when sessions are shared (workers > 1 or store redis), so every node verifies the same tokens');
  }

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return deepFreeze({ systems: { source, target }, listen, routing, timeouts, limits, sessions, directory, cutover, shutdown, campaigns, ops, security, provisioning, drift, envCheck, reconcile, workers, log });
}

const DEFAULT_DRIFT_EXCLUDES = ['i_env', 'creation_date', 'created_at', 'last_modified', 'last_update', 'updated_at', 'update_time', 'modified'];

/** The `drift` section: the periodic comparison, the types compared and the fields left out. */
function readDrift(r: Reader, d: Raw): DispatcherConfig['drift'] {
  const intervalMs = r.int(d, 'drift', 'intervalMs', 3_600_000, 0, 7 * 86_400_000);
  // A comparison pages through every list on both systems: more often than every 10 s is a load, not a watch.
  if (intervalMs > 0 && intervalMs < 10_000) r.problems.push(`drift.intervalMs: must be 0 (off) or at least 10000, got ${intervalMs}`);
  const extraEntities: DispatcherConfig['drift']['extraEntities'] = [];
  const extraRaw = d.extraEntities;
  if (extraRaw !== undefined && !Array.isArray(extraRaw)) r.problems.push(`drift.extraEntities: must be a list of {name, service, idField}, got ${JSON.stringify(extraRaw)}`);
  for (const [i, e] of (Array.isArray(extraRaw) ? extraRaw : []).entries()) {
    const where = `drift.extraEntities[${i}]`;
    if (!isObject(e)) {
      r.problems.push(`${where}: must be a mapping {name, service, idField}, got ${JSON.stringify(e)}`);
      continue;
    }
    const type = { name: r.str(e, where, 'name', ''), service: r.str(e, where, 'service', ''), idField: r.str(e, where, 'idField', '') };
    if (!ENTITY_NAME.test(type.name)) r.problems.push(`${where}.name: must be lower-case letters, digits and _ (like tariff), got ${JSON.stringify(e.name)}`);
    if (!SERVICE_NAME.test(type.service)) r.problems.push(`${where}.service: must be a PortaBilling service name (like Tariff), got ${JSON.stringify(e.service)}`);
    if (!ID_FIELD.test(type.idField)) r.problems.push(`${where}.idField: must be an i_… field (like i_tariff), got ${JSON.stringify(e.idField)}`);
    extraEntities.push(type);
  }
  const known = [...BUILT_IN_CONFIG_ENTITY_TYPES.map((t) => t.name), ...extraEntities.map((t) => t.name)];
  const twice = known.filter((n, i) => n !== '' && known.indexOf(n) !== i);
  if (twice.length > 0) r.problems.push(`drift.extraEntities: ${[...new Set(twice)].join(', ')} named twice (or a built-in type)`);
  const entities = r.strings(d, 'drift', 'entities', known);
  for (const name of entities) if (!known.includes(name)) r.problems.push(`drift.entities: unknown type ${JSON.stringify(name)} (known: ${known.join(', ')})`);
  const excludeFields = r.strings(d, 'drift', 'excludeFields', DEFAULT_DRIFT_EXCLUDES);
  for (const f of excludeFields) {
    const m = /^(?:([a-z][a-z0-9_]*):)?([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)$/.exec(f);
    if (m === null) r.problems.push(`drift.excludeFields: ${JSON.stringify(f)} is neither a field name nor type:path`);
    else if (m[1] !== undefined && !known.includes(m[1])) r.problems.push(`drift.excludeFields: ${JSON.stringify(f)} names an unknown type ${m[1]}`);
  }
  return {
    intervalMs, entities, excludeFields, extraEntities,
    pageSize: r.int(d, 'drift', 'pageSize', 500, 1, 10_000),
    maxListed: r.int(d, 'drift', 'maxListed', 1000, 1, 1_000_000),
  };
}

function isIpOrCidr(s: string): boolean {
  return /^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/.test(s) || /^[0-9a-fA-F:]+(\/\d{1,3})?$/.test(s);
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Reads and validates a YAML config file. */
export function loadConfigFile(path: string): DispatcherConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read ${path}: ${(err as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`${path}: not valid YAML: ${(err as Error).message}`]);
  }
  return validateConfig(parsed);
}
