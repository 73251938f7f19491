import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonObject } from '../core/api-call.ts';
import type { RunningSimulator, SimListener, SimulatorOptions, SimulatorUrls } from './contract.ts';
import { SeedSpace } from './model/seed-space.ts';
import { buildConfigEntities } from './model/config-entities.ts';
import { SimStore } from './model/sim-store.ts';
import { WriteLog } from './model/write-log.ts';
import { OtpBox } from './model/otp-box.ts';
import { SessionManager } from './auth/session-manager.ts';
import type { SimUser } from './auth/principal.ts';
import { SimApi } from './api/sim-api.ts';
import { buildDescription, loadSimServiceSpecs } from './description/description.ts';
import type { SimSystem } from './api/sim-context.ts';
import { DEFAULT_MAX_BODY_BYTES, SimHttpListener } from './http/sim-listener.ts';
import type { SimHttpRoute } from './http/sim-http.ts';
import { restRoute } from './rest/rest-route.ts';
import { soapRoute } from './soap/soap-route.ts';
import { espfRoute } from './espf/espf-route.ts';
import { apiDocsRoute } from './http/api-docs-route.ts';
import { controlRoute } from './control/control-route.ts';
import { NO_FAULTS, type FaultSettings } from './control/fault-injector.ts';
import { seedFixtures } from './seed-fixtures.ts';
import { DEMO_ADMIN, DEMO_RESELLER, DEMO_RESELLER_2 } from './demo-fixtures.ts';
import { startSimWebFaces, type SimWebFaces } from './portal/sim-web-faces.ts';

/** Listener order: admin P, reseller P+1, customer P+2, account P+3, portasip P+4. */
export const SIM_LISTENERS: readonly SimListener[] = ['admin', 'reseller', 'customer', 'account', 'portasip'];

/** A running simulator with the hooks other capabilities (SOAP, portal, CPE files) mount on. */
export interface SimulatorInstance extends RunningSimulator {
  readonly api: SimApi;
  readonly system: SimSystem;
  /** Adds a route to a listener (tried before the built-in ones). */
  mount(listener: SimListener, route: SimHttpRoute): void;
  faults(): FaultSettings;
  /** The self-care portal (P+5) and CPE provisioning (P+6) listeners, with their request counters. */
  readonly web: SimWebFaces;
}

function staffUsers(o: SimulatorOptions): SimUser[] {
  const users: SimUser[] = [
    { realm: 'admin', login: DEMO_ADMIN.login, password: o.adminCredentials?.password ?? DEMO_ADMIN.password, token: o.adminCredentials?.token ?? DEMO_ADMIN.token, i_user: DEMO_ADMIN.iUser },
    { realm: 'reseller', login: DEMO_RESELLER.login, password: DEMO_RESELLER.password, i_user: DEMO_RESELLER.iUser, i_customer: DEMO_RESELLER.iCustomer },
    { realm: 'reseller', login: DEMO_RESELLER_2.login, password: DEMO_RESELLER_2.password, i_user: DEMO_RESELLER_2.iUser, i_customer: DEMO_RESELLER_2.iCustomer },
  ];
  let next = 100;
  for (const u of o.extraUsers ?? []) {
    const user: SimUser = { realm: u.realm, login: u.login, password: u.password, i_user: next++ };
    if (u.token !== undefined) user.token = u.token;
    if (u.iCustomer !== undefined) user.i_customer = u.iCustomer;
    if (u.allowedIps !== undefined) user.allowedIps = u.allowedIps;
    users.push(user);
  }
  return users;
}

function checkOptions(o: SimulatorOptions): void {
  const problems: string[] = [];
  if (o.role !== 'source' && o.role !== 'target') problems.push(`role must be "source" or "target", got ${JSON.stringify(o.role)}`);
  if (!Number.isSafeInteger(o.env) || o.env <= 0) problems.push(`env must be a positive integer, got ${String(o.env)}`);
  if (o.customers !== undefined && (!Number.isSafeInteger(o.customers) || o.customers < 0 || o.customers > 50_000_000)) problems.push(`customers must be 0..50000000, got ${String(o.customers)}`);
  if (o.configEntities !== undefined && (!Number.isSafeInteger(o.configEntities) || o.configEntities < 0 || o.configEntities > 1_000_000)) problems.push(`configEntities must be 0..1000000, got ${String(o.configEntities)}`);
  if (o.portBase !== undefined && (!Number.isSafeInteger(o.portBase) || o.portBase < 0 || o.portBase > 65_529)) problems.push(`portBase must be 0..65529, got ${String(o.portBase)}`);
  if (o.sessionTtlSeconds !== undefined && !(o.sessionTtlSeconds > 0)) problems.push(`sessionTtlSeconds must be > 0, got ${String(o.sessionTtlSeconds)}`);
  if (problems.length > 0) throw new Error(`Invalid simulator options: ${problems.join('; ')}`);
}

/**
 * Builds and starts one simulated PortaBilling system on 127.0.0.1 (five listeners). Seeding is
 * lazy, so even 1,000,000 customers start in milliseconds.
 */
export async function createSimulator(options: SimulatorOptions): Promise<SimulatorInstance> {
  checkOptions(options);
  const host = options.host ?? '127.0.0.1';
  const space = new SeedSpace(options.seed ?? 1, options.role, options.customers ?? 200, Date.now(), options.heavyXdrs);
  const store = new SimStore(space, buildConfigEntities(options.seed ?? 1, options.configEntities));
  if (options.role === 'source') seedFixtures(store);
  const sessions = new SessionManager({ store, users: staffUsers(options), env: options.env, ttlSeconds: options.sessionTtlSeconds ?? 3600 });
  const system: SimSystem = { role: options.role, env: options.env, store, writeLog: new WriteLog(), sessions, otps: new OtpBox() };
  const specs = loadSimServiceSpecs();
  const api = new SimApi(system, buildDescription(options.extendDescription ? options.extendDescription(specs) : specs));
  let faults: FaultSettings = { ...NO_FAULTS };

  const listeners = new Map<SimListener, SimHttpListener>();
  for (const name of SIM_LISTENERS) {
    const l = new SimHttpListener(name, { host, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, faults: () => faults });
    l.routes.push(restRoute(api, name, options.downloadBytes));
    if (name !== 'portasip') l.routes.push(soapRoute(api, name, options.downloadBytes), espfRoute(api, name), apiDocsRoute(api));
    listeners.set(name, l);
  }
  const admin = listeners.get('admin');
  if (!admin) throw new Error('admin listener missing');

  const resume = async (l: SimHttpListener): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await l.listen(l.port);
        return;
      } catch (err) {
        if (attempt >= 20) throw err;
        await sleep(50);
      }
    }
  };
  const others = (): SimHttpListener[] => [...listeners.values()].filter((l) => l !== admin);

  const urls = (): SimulatorUrls => ({
    admin: admin.url,
    reseller: listeners.get('reseller')?.url ?? '',
    customer: listeners.get('customer')?.url ?? '',
    account: listeners.get('account')?.url ?? '',
    portasip: listeners.get('portasip')?.url ?? '',
    ...(web ? { portal: web.portalUrl, provisioning: web.provisioningUrl } : {}),
  });

  admin.routes.unshift(controlRoute({
    sys: system,
    faults: () => faults,
    async setFaults(next) {
      const was = faults.outage;
      faults = next;
      sessions.refuseLogins = next.refuse_logins;
      if (next.outage === 'refuse' && was !== 'refuse') await Promise.all(others().map((l) => l.close()));
      if (next.outage !== 'refuse' && was === 'refuse') await Promise.all(others().map((l) => (l.listening ? Promise.resolve() : resume(l))));
      if (next.outage === 'reset') for (const l of others()) l.resetConnections();
    },
    info: (): JsonObject => ({ role: options.role, env: options.env, customers: store.customerTotal(), seed: space.seed, urls: { ...urls() } }),
  }));

  const portBase = options.portBase ?? 0;
  let web: SimWebFaces | undefined;
  try {
    for (const [i, name] of SIM_LISTENERS.entries()) await listeners.get(name)?.listen(portBase === 0 ? 0 : portBase + i);
    web = await startSimWebFaces({ sys: system, host, faults: () => faults, portalPort: portBase === 0 ? 0 : portBase + 5, provisioningPort: portBase === 0 ? 0 : portBase + 6 });
    for (const name of ['admin', 'reseller'] as const) listeners.get(name)?.routes.unshift(web.autoLoginRoute);
  } catch (err) {
    await Promise.all([...listeners.values()].map((l) => l.close()));
    throw err;
  }

  return {
    role: options.role,
    env: options.env,
    get urls() {
      return urls();
    },
    api,
    system,
    faults: () => faults,
    web,
    mount(listener, route) {
      listeners.get(listener)?.routes.unshift(route);
    },
    readyLine: () => JSON.stringify({ ready: true, role: options.role, env: options.env, urls: urls() }),
    async close() {
      await Promise.all([...listeners.values()].map((l) => l.close()).concat(web.close()));
    },
  };
}
