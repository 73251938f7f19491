import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { DispatcherConfig, SystemConfig } from './config.ts';
import { configSchema, knownKeys, ALLOW_REALMS, type ParsedConfig } from './config-schema.ts';
import { closest } from '../core/did-you-mean.ts';
import { SYSTEMS } from '../core/api-call.ts';
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

/** A valid config and the settings in it that have no effect (worth a warning, not a refusal). */
export interface CheckedConfig {
  config: DispatcherConfig;
  warnings: string[];
}

type Raw = Record<string, unknown>;
type Path = readonly PropertyKey[];

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(input: unknown, path: Path): unknown {
  let v = input;
  for (const step of path) v = isObject(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[step] : undefined;
  return v;
}

function pathText(path: Path): string {
  return path.reduce<string>((s, step) => (typeof step === 'number' ? `${s}[${step}]` : s === '' ? String(step) : `${s}.${String(step)}`), '');
}

// Values of these are never echoed back: a problem report ends up in logs and tickets.
const SECRET = /token|password|secret|databaseUrl|redisUrl/i;

function shown(path: Path, value: unknown): string {
  if (value === undefined || isObject(value) || path.some((s) => typeof s === 'string' && SECRET.test(s))) return '';
  const json = JSON.stringify(value);
  return `, got ${json.length > 80 ? `${json.slice(0, 77)}...` : json}`;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string[] {
  const where = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(issue.path.filter((s): s is string | number => typeof s !== 'symbol')) ?? [];
    return issue.keys.map((key) => {
      const near = closest(key, known);
      return `${where === '' ? key : `${where}.${key}`}: unknown setting${near === undefined ? '' : ` (did you mean ${near}?)`}`;
    });
  }
  const value = at(input, issue.path);
  if (value === undefined && issue.code === 'invalid_type') return [`${where}: is required`];
  return [`${where || 'the config'}: ${issue.message}${shown(issue.path, value)}`];
}

/** Checks that span keys or need more than a type: made on the raw input so they are reported with the rest. */
function crossChecks(raw: Raw): string[] {
  const problems: string[] = [];
  const sec = (key: string): Raw => (isObject(raw[key]) ? raw[key] : {});
  const envs = SYSTEMS.map((s) => at(raw, ['systems', s, 'env']));
  if (typeof envs[0] === 'number' && envs[0] === envs[1]) problems.push(`systems: source and target must have different env ids, both are ${envs[0]}`);

  const tls = sec('listen').tls;
  if (isObject(tls)) {
    for (const key of ['certFile', 'keyFile'] as const) {
      const file = tls[key];
      if (typeof file !== 'string' || file === '') continue;
      try {
        readFileSync(file);
      } catch (err) {
        problems.push(`listen.tls.${key}: cannot read ${file}: ${(err as Error).message}`);
      }
    }
  }

  const allow = sec('security').allow;
  if (isObject(allow)) {
    for (const key of Object.keys(allow)) {
      const realm = key.includes(':') ? key.slice(0, key.indexOf(':')) : key;
      if (ALLOW_REALMS.includes(realm) && !key.endsWith(':')) continue;
      const near = closest(realm, ALLOW_REALMS);
      problems.push(`security.allow.${key}: unknown realm ${JSON.stringify(realm)}: a key is a realm (${ALLOW_REALMS.join(', ')}) or realm:login${near === undefined ? '' : ` (did you mean ${near}?)`}`);
    }
  }

  if (sec('ops').token === undefined) problems.push('ops.token: is required: the bearer token of the operator API and dashboard (at least 12 characters)');
  if (sec('sessions').secret === undefined) problems.push('sessions.secret: is required: it signs session tokens, and every node of a cluster needs the same (at least 16 characters)');
  const workers = raw.workers;
  if (typeof workers === 'number' && workers > 1) {
    if ((sec('sessions').store ?? 'memory') === 'memory') problems.push('sessions.store: workers > 1 needs a shared session store (redis): a session made by one worker must be seen by all');
    if (sec('directory').store === 'memory') problems.push('directory.store: workers > 1 needs a shared directory (sqlite or postgres)');
  }
  problems.push(...driftChecks(sec('drift')));
  return problems;
}

/** The drift section's type names: the built-in ones and the extra ones, each named once and used by name. */
function driftChecks(d: Raw): string[] {
  const problems: string[] = [];
  const extras = Array.isArray(d.extraEntities) ? d.extraEntities : [];
  const extraNames: string[] = [];
  for (const [i, e] of extras.entries()) {
    if (!isObject(e)) continue;
    const where = `drift.extraEntities[${i}]`;
    if (typeof e.name === 'string') {
      extraNames.push(e.name);
      if (!ENTITY_NAME.test(e.name)) problems.push(`${where}.name: must be lower-case letters, digits and _ (like tariff), got ${JSON.stringify(e.name)}`);
    }
    if (typeof e.service === 'string' && !SERVICE_NAME.test(e.service)) problems.push(`${where}.service: must be a PortaBilling service name (like Tariff), got ${JSON.stringify(e.service)}`);
    if (typeof e.idField === 'string' && !ID_FIELD.test(e.idField)) problems.push(`${where}.idField: must be an i_… field (like i_tariff), got ${JSON.stringify(e.idField)}`);
  }
  const known = [...BUILT_IN_CONFIG_ENTITY_TYPES.map((t) => t.name), ...extraNames];
  const twice = known.filter((n, i) => n !== '' && known.indexOf(n) !== i);
  if (twice.length > 0) problems.push(`drift.extraEntities: ${[...new Set(twice)].join(', ')} named twice (or a built-in type)`);
  for (const name of Array.isArray(d.entities) ? d.entities : []) {
    if (typeof name === 'string' && !known.includes(name)) {
      const near = closest(name, known);
      problems.push(`drift.entities: unknown type ${JSON.stringify(name)} (known: ${known.join(', ')})${near === undefined ? '' : ` (did you mean ${near}?)`}`);
    }
  }
  for (const f of Array.isArray(d.excludeFields) ? d.excludeFields : []) {
    if (typeof f !== 'string') continue;
    const m = /^(?:([a-z][a-z0-9_]*):)?([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)$/.exec(f);
    if (m === null) problems.push(`drift.excludeFields: ${JSON.stringify(f)} is neither a field name nor type:path`);
    else if (m[1] !== undefined && !known.includes(m[1])) problems.push(`drift.excludeFields: ${JSON.stringify(f)} names an unknown type ${m[1]}`);
  }
  return problems;
}

/** Settings the operator wrote that change nothing as the rest of the config stands. */
function noEffectWarnings(raw: Raw, c: DispatcherConfig): string[] {
  const warnings: string[] = [];
  const has = (...path: string[]) => at(raw, path) !== undefined;
  for (const front of ['portal', 'provisioning'] as const) {
    const withUrl = SYSTEMS.filter((s) => has('systems', s, 'urls', front));
    if (c.listen[front] === undefined) {
      for (const s of withUrl) warnings.push(`systems.${s}.urls.${front}: has no effect without listen.${front}: no ${front} listener is started`);
    } else if (withUrl.length === 0) {
      warnings.push(`listen.${front}: no system has urls.${front}: the ${front} listener has nothing to forward to`);
    }
  }
  if (c.listen.tls !== undefined && has('listen', 'fastPath')) warnings.push('listen.fastPath: has no effect with listen.tls (the lean server is plain HTTP only)');
  if (c.sessions.store !== 'redis' && has('sessions', 'redisUrl')) warnings.push(`sessions.redisUrl: has no effect with sessions.store ${c.sessions.store}`);
  if (c.directory.store !== 'sqlite' && has('directory', 'sqlitePath')) warnings.push(`directory.sqlitePath: has no effect with directory.store ${c.directory.store}`);
  for (const key of ['databaseUrl', 'schema', 'queryTimeoutMs']) {
    if (c.directory.store !== 'postgres' && has('directory', key)) warnings.push(`directory.${key}: has no effect with directory.store ${c.directory.store}`);
  }
  if (c.ops.serviceLogin === undefined) {
    for (const key of ['drift', 'envCheck', 'reconcile']) if (has(key)) warnings.push(`${key}: has no effect without ops.serviceLogin (the dispatcher's own admin login)`);
  }
  return warnings;
}

function build(p: ParsedConfig): DispatcherConfig {
  const system = (s: ParsedConfig['systems']['source']): SystemConfig => {
    const urls: Record<string, string> = {};
    for (const [realm, url] of Object.entries(s.urls)) if (url !== undefined) urls[realm] = new URL(url).origin;
    return { env: s.env, urls: urls as SystemConfig['urls'] };
  };
  const listen: DispatcherConfig['listen'] = {
    host: p.listen.host, admin: p.listen.admin, reseller: p.listen.reseller, customer: p.listen.customer, account: p.listen.account,
    portasip: p.listen.portasip, ops: p.listen.ops, fastPath: p.listen.fastPath,
  };
  if (p.listen.portal !== undefined) listen.portal = p.listen.portal;
  if (p.listen.provisioning !== undefined) listen.provisioning = p.listen.provisioning;
  if (p.listen.tls !== undefined) listen.tls = p.listen.tls;
  const campaigns: DispatcherConfig['campaigns'] = { commands: p.campaigns.commands, leaseMs: p.campaigns.leaseMs };
  if (p.campaigns.defaultCopy !== undefined) campaigns.defaultCopy = p.campaigns.defaultCopy;
  const ops: DispatcherConfig['ops'] = {
    token: p.ops.token!, publicMetrics: p.ops.publicMetrics,
    checkIntervalMs: p.ops.checkIntervalMs, totalsIntervalMs: p.ops.totalsIntervalMs, trafficStepMs: p.ops.trafficStepMs,
  };
  if (p.ops.serviceLogin !== undefined) {
    const { login, token, password } = p.ops.serviceLogin;
    ops.serviceLogin = { login, ...(token !== undefined ? { token } : {}), ...(password !== undefined ? { password } : {}) };
  }
  const builtIn = BUILT_IN_CONFIG_ENTITY_TYPES.map((t) => t.name);
  return {
    systems: { source: system(p.systems.source), target: system(p.systems.target) },
    listen,
    routing: p.routing,
    timeouts: p.timeouts,
    limits: p.limits,
    sessions: {
      store: p.sessions.store, ttlSeconds: p.sessions.ttlSeconds, secret: p.sessions.secret!,
      redisUrl: p.sessions.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    },
    directory: { ...p.directory, databaseUrl: p.directory.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    cutover: p.cutover,
    shutdown: p.shutdown,
    campaigns,
    ops,
    security: p.security,
    provisioning: p.provisioning,
    drift: { ...p.drift, entities: p.drift.entities ?? [...builtIn, ...p.drift.extraEntities.map((t) => t.name)] },
    envCheck: p.envCheck,
    reconcile: p.reconcile,
    workers: p.workers,
    log: p.log,
  };
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Validates a parsed config object: the config and its warnings, or a ConfigError listing every problem. */
export function checkConfig(input: unknown): CheckedConfig {
  const result = configSchema.safeParse(input);
  const problems = result.success ? [] : result.error.issues.flatMap((i) => describeIssue(i, input));
  if (isObject(input)) problems.push(...crossChecks(input));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const config = build(result.data);
  return { config: deepFreeze(config), warnings: noEffectWarnings(input as Raw, config) };
}

/** Validates a parsed config object; throws ConfigError listing every problem. */
export function validateConfig(input: unknown): DispatcherConfig {
  return checkConfig(input).config;
}

/** Reads and validates a YAML config file, with the warnings about settings that have no effect. */
export function readConfigFile(path: string): CheckedConfig {
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
  return checkConfig(parsed);
}

/** Reads and validates a YAML config file. */
export function loadConfigFile(path: string): DispatcherConfig {
  return readConfigFile(path).config;
}
