import { z } from 'zod';
import { REALMS } from '../core/api-call.ts';
import { isIpOrCidr } from '../core/ip-allow.ts';

/**
 * The configuration's one description: its keys (unknown ones are refused at every depth), types,
 * ranges, defaults and meaning. load-config.ts validates with it, `config/webdispatcher.schema.json`
 * (for editors) and `docs/configuration.md` are generated from it, so none of the three can say
 * another default than the code uses.
 */

const int = (min: number, max: number) => {
  const error = `must be an integer in [${min}, ${max}]`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};
/** A period in ms where 0 turns the periodic job off. */
const periodMs = (min: number, max: number) =>
  int(0, max).refine((v) => v === 0 || v >= min, { error: `must be 0 (off) or at least ${min}` });
const port = () => int(0, 65535);
const text = () => z.string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' });
const bool = () => z.boolean({ error: 'must be true or false' });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `must be one of ${values.join(', ')}` });
const strings = () => z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of strings' });
const section = <S extends z.core.$ZodLooseShape>(shape: S, description: string) =>
  // prefault: an absent section is parsed as {} so every key inside gets its default.
  z.strictObject(shape, { error: 'must be a mapping' }).prefault({} as never).describe(description);

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
const httpUrl = () => z.string({ error: 'must be an http(s) URL' }).refine(isHttpUrl, { error: 'is not an http(s) URL' });

const ipOrCidrs = () => z.array(z.string({ error: 'must be a string' }).refine(isIpOrCidr, { error: 'is not an IP address or CIDR' }), { error: 'must be a list of IP addresses or CIDRs' });

const systemSchema = z.strictObject({
  env: int(1, 2 ** 31 - 1).describe("The system's i_env (required)."),
  urls: z.strictObject({
    admin: httpUrl().describe('Base URL of the admin API (required).'),
    reseller: httpUrl().describe('Base URL of the reseller API (required).'),
    customer: httpUrl().describe('Base URL of the customer self-care API (required).'),
    account: httpUrl().describe('Base URL of the account self-care API (required).'),
    portasip: httpUrl().describe('Base URL of PortaSIP (required).'),
    portal: httpUrl().optional().describe('Self-care portal (needs listen.portal).'),
    provisioning: httpUrl().optional().describe('IP phone provisioning server (needs listen.provisioning).'),
  }, { error: 'must be a mapping' }).describe('One base URL per realm; PortaBilling serves each on its own port.'),
}, { error: 'must be a mapping' });

/** Allow-list keys: a realm, or `realm:login` for one user. */
export const ALLOW_REALMS: readonly string[] = [...REALMS, 'portasip'];

export const configSchema = z.strictObject({
  systems: z.strictObject({
    source: systemSchema.describe('The system customers move from (required).'),
    target: systemSchema.describe('The system customers move to (required).'),
  }, { error: 'must be a mapping' }).describe('The two PortaBilling installations (required).'),
  listen: section({
    host: text().default('127.0.0.1').describe('Address every listener binds.'),
    admin: port().default(0).describe('Admin API port (0: an ephemeral port).'),
    reseller: port().default(0).describe('Reseller API port.'),
    customer: port().default(0).describe('Customer self-care API port.'),
    account: port().default(0).describe('Account self-care API port.'),
    portasip: port().default(0).describe('PortaSIP API port (calls broadcast to both systems).'),
    ops: port().default(0).describe('Operator API, dashboard, /metrics, /healthz, /readyz.'),
    portal: port().optional().describe('Self-care portal proxy port; absent: no portal.'),
    provisioning: port().optional().describe('CPE provisioning proxy port; absent: no provisioning.'),
    tls: z.strictObject({
      certFile: text().describe('PEM certificate chain.'),
      keyFile: text().describe('PEM private key.'),
    }, { error: 'must be a mapping' }).optional().describe('HTTPS on every listener.'),
    fastPath: bool().default(true).describe('REST calls on the lean HTTP/1.1 server (plain HTTP only); false: node:http for everything.'),
  }, 'Listeners.'),
  routing: section({
    defaultContext: oneOf(['source', 'target']).default('source').describe('Context of a new admin/reseller session.'),
    paging: oneOf(['per-system', 'exact']).default('per-system').describe("Merged lists: per-system (PortaBilling's behaviour: up to 2×limit rows) or exact."),
    unknownOdd: oneOf(['assume-source', 'discover']).default('assume-source').describe('How odd ids without a directory entry resolve.'),
    listMerge: z.array(z.string({ error: 'must be a string' }).regex(/^[A-Za-z]+\/[a-z_]+$/, { error: 'is not Service/method' }), { error: 'must be a list of strings' })
      .default(['Customer/get_customer_list']).describe('Service/method names merged from both systems.'),
    broadcastServices: strings().default(['Voicemail', 'AutoAttendant', 'Conference', 'CallControl']).describe('Services sent to both systems on the REST listeners (PortaSIP listener: always).'),
    partialMerge: oneOf(['fail', 'partial']).default('fail').describe('A system missing from a merge: fail (a fault naming it) or partial (the rows and a marker header).'),
    unroutableWrites: oneOf(['refuse', 'context']).default('refuse').describe("An admin write naming no placeable record and no i_env: refuse, or run in the session's context."),
    mirrorConfigWrites: bool().default(false).describe("An admin's add/update/delete of a shared configuration entity runs on the source, then the target with the same id."),
  }, 'How calls are routed.'),
  timeouts: section({
    connectMs: int(1, 3_600_000).default(2000).describe('Connecting to a backend.'),
    headersMs: int(1, 3_600_000).default(30_000).describe("A backend's reply head."),
    bodyMs: int(1, 3_600_000).default(60_000).describe("A backend's reply body: one read whole (API replies up to 1 MiB, portal pages, CPE files) must arrive within this after its head; a streamed one may not fall silent longer."),
  }, 'Backend deadlines.'),
  limits: section({
    bodyBytes: int(1024, 2 ** 31 - 1).default(1024 * 1024).describe('Largest request body accepted.'),
    connectionsPerBackend: int(1, 10_000).default(64).describe('Keep-alive pool size per backend listener.'),
  }, 'Limits.'),
  sessions: section({
    store: oneOf(['memory', 'redis']).default('memory').describe('memory (one node) or redis (a cluster).'),
    redisUrl: text().optional().describe('Redis of the redis store (default: $REDIS_URL, else redis://127.0.0.1:6379).'),
    ttlSeconds: int(10, 30 * 86_400).default(3600).describe('Idle lifetime of a dispatcher session.'),
    secret: text().min(16, { error: 'must be at least 16 characters' }).optional().describe('Signs session tokens; every node of a cluster the same (required outside the demo).'),
  }, 'Dispatcher sessions.'),
  directory: section({
    store: oneOf(['memory', 'sqlite', 'postgres']).default('sqlite').describe('sqlite (one node), postgres (a cluster) or memory (tests).'),
    sqlitePath: text().default('webdispatcher-directory.sqlite').describe('File of the sqlite store.'),
    databaseUrl: text().optional().describe('PostgreSQL of the postgres store (default: $DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test).'),
    schema: z.string({ error: 'must be a string' }).regex(/^[a-z_][a-z0-9_]{0,40}$/, { error: 'must be lower-case letters, digits and _ (at most 41)' })
      .default('webdispatcher').describe('PostgreSQL schema of the directory and campaign tables.'),
    cacheSize: int(0, 100_000_000).default(100_000).describe('In-process LRU entries per kind (0: none).'),
    routingIndex: bool().default(true).describe("Every customer's system in memory (2 bits per id), loaded at start."),
    queryTimeoutMs: int(100, 600_000).default(5000).describe('PostgreSQL: a query or connection attempt unanswered after this is a retryable fault.'),
  }, 'The location directory (and the campaign state).'),
  cutover: section({
    holdTimeoutMs: int(1, 3_600_000).default(10_000).describe('A held call then gets Server.Dispatcher.customer_migrating (retryable).'),
  }, 'Cutovers.'),
  shutdown: section({
    notReadyMs: int(0, 600_000).default(3000).describe("On SIGTERM /readyz answers 503 and the node keeps serving this long (more than the load balancer's health check needs)."),
    timeoutMs: int(0, 3_600_000).default(30_000).describe('Then calls in flight get this long.'),
  }, 'Graceful shutdown.'),
  campaigns: section({
    defaultCopy: oneOf(['sim']).optional().describe('Copy step of a campaign created without one (the demo sets sim); absent: copy is required.'),
    commands: strings().default([]).describe('Programs a command copy step may run (exact paths); empty: command refused.'),
    leaseMs: int(1000, 600_000).default(15_000).describe("Driver lease: how long a dead node's campaigns wait for another node."),
  }, 'Migration campaigns.'),
  ops: section({
    token: text().min(12, { error: 'must be at least 12 characters' }).optional().describe('Bearer token of the operator API and dashboard (required outside the demo).'),
    publicMetrics: bool().default(true).describe('/metrics without the ops token; false: it needs Authorization: Bearer <ops.token>.'),
    checkIntervalMs: periodMs(100, 3_600_000).default(10_000).describe('Console: active check of every backend listener (0: off).'),
    totalsIntervalMs: periodMs(100, 86_400_000).default(60_000).describe("Console: each system's customer count and the directory's (0: off)."),
    trafficStepMs: periodMs(100, 600_000).default(10_000).describe('Console: one step of the traffic charts (0: off).'),
    serviceLogin: z.strictObject({
      login: text().describe('Admin login.'),
      token: text().optional().describe('Its API token (preferred).'),
      password: text().optional().describe('Or its password.'),
    }, { error: 'must be a mapping' }).refine((s) => s.token !== undefined || s.password !== undefined, { error: 'needs a token or a password' })
      .optional().describe("The admin login of the dispatcher's own lookups: cutover account lists, campaign checks, drift, env check, reconcile."),
  }, 'The operator side.'),
  security: section({
    allow: z.record(z.string(), ipOrCidrs(), { error: 'must be a mapping' }).default({})
      .describe('Client IP allow-lists per realm (admin, reseller, customer, account, portasip) or realm:login; absent: all.'),
    loginFailures: section({
      max: int(1, 1_000_000).default(10).describe('Failed logins of one login or address in a window before it is throttled.'),
      windowSeconds: int(1, 86_400).default(300).describe('The window.'),
    }, 'Login throttle.'),
    trustedProxies: ipOrCidrs().default([]).describe("Load balancers whose X-Forwarded-For is believed; empty: the socket's address is the client."),
  }, 'Security.'),
  provisioning: section({
    fallbackToSource: bool().default(true).describe('A phone file missing on the target is fetched from the source.'),
  }, 'CPE provisioning.'),
  drift: section({
    intervalMs: periodMs(10_000, 7 * 86_400_000).default(3_600_000).describe('A comparison this often, the first a minute after start (0: on demand only).'),
    entities: strings().optional().describe('Entity types compared (default: every known type).'),
    excludeFields: strings().default(['i_env', 'creation_date', 'created_at', 'last_modified', 'last_update', 'updated_at', 'update_time', 'modified'])
      .describe('Left out of every comparison: field (any type, any depth) or type:path.'),
    pageSize: int(1, 10_000).default(500).describe('Rows per list call.'),
    maxListed: int(1, 1_000_000).default(1000).describe('Entities listed per type and kind of difference (counts stay exact).'),
    extraEntities: z.array(z.strictObject({
      name: text().describe('Type name (like tariff).'),
      service: text().describe('Service (like Tariff).'),
      idField: text().describe('Id field (like i_tariff).'),
    }, { error: 'must be a mapping {name, service, idField}' }), { error: 'must be a list of {name, service, idField}' })
      .default([]).describe('More types, by PortaBilling naming: <Service>/get_<name>_list.'),
    wsdls: z.array(z.string().regex(/^[A-Z][A-Za-z0-9]{0,63}(Admin|Reseller|Customer|Account)Service\.wsdl$/, { error: 'must be a WSDL file name like CustomerAdminService.wsdl' }), { error: 'must be a list of WSDL file names' })
      .default(['SessionAdminService.wsdl', 'CustomerAdminService.wsdl', 'AccountAdminService.wsdl'])
      .describe("WSDLs compared between the systems at every run (API version, or the text with its addresses taken out)."),
  }, 'Configuration drift between the systems (needs ops.serviceLogin).'),
  envCheck: section({
    refreshMs: int(0, 86_400_000).default(30_000).describe('A readiness probe asks again when the last answer is older (0: every probe).'),
    atStart: bool().default(true).describe('Ask both systems once at start.'),
  }, "Each system's i_env checked against systems.*.env (needs ops.serviceLogin)."),
  reconcile: section({
    intervalMs: periodMs(60_000, 7 * 86_400_000).default(0).describe('A report-only run this often (0: on demand only).'),
    pageSize: int(1, 10_000).default(1000).describe('Customers per list call.'),
    maxListed: int(1, 1_000_000).default(1000).describe('Customer ids listed per kind of finding (counts stay exact).'),
  }, 'The directory reconciled with both systems (needs ops.serviceLogin).'),
  workers: int(1, 64).default(1).describe('Worker processes (node:cluster); 1: in-process; > 1 needs redis sessions and a shared directory.'),
  log: section({
    level: oneOf(['debug', 'info', 'warn', 'error', 'silent']).default('info').describe('One JSON line per call on stderr.'),
  }, 'Logging.'),
}, { error: 'the config must be a YAML mapping' });

export type ParsedConfig = z.output<typeof configSchema>;

/** JSON Schema of the config file's input, for editors (yaml-language-server, VS Code). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://webdispatcher.invalid/config.schema.json', title: 'WebDispatcher configuration' };
}

/** The keys an object at `path` of the schema knows (for "did you mean"); undefined when it is no object. */
export function knownKeys(path: readonly (string | number)[]): string[] | undefined {
  let node: z.core.$ZodType = configSchema;
  for (const step of [...path, null]) {
    for (;;) {
      const def = node._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
      if (def.innerType !== undefined) node = def.innerType;
      else if (def.type === 'pipe' && def.in !== undefined) node = def.in;
      else break;
    }
    const def = node._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType; valueType?: z.core.$ZodType };
    if (step === null) return def.type === 'object' && def.shape !== undefined ? Object.keys(def.shape) : undefined;
    if (def.type === 'object' && def.shape !== undefined && typeof step === 'string' && def.shape[step] !== undefined) node = def.shape[step];
    else if (def.type === 'array' && def.element !== undefined) node = def.element;
    else if (def.type === 'record' && def.valueType !== undefined) node = def.valueType;
    else return undefined;
  }
  return undefined;
}
