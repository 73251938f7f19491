import { createSimulator, SIM_LISTENERS, type SimulatorInstance } from '../../src/sim/simulator.ts';
import { soapRoute } from '../../src/sim/soap/soap-route.ts';
import type { SystemName } from '../../src/core/api-call.ts';
import type { SimListener } from '../../src/sim/contract.ts';
import { isScalar } from '../../src/sim/description/description.ts';
import type { SimDescription } from '../../src/sim/description/description.ts';
import type { AfterHook } from './sim.ts';
import { startStack, type Stack, type StackOptions } from './stack.ts';

/**
 * A stack (source, target, dispatcher) plus a twin of each simulator, started with the same
 * options, so a walk can compare "through the dispatcher" with "directly" on writes too:
 * the dispatcher's call changes a stack simulator, the direct call changes its twin, and as
 * long as every call the dispatcher forwards to a system is also made on that system's twin
 * (and nothing else is), each twin holds what its stack simulator holds.
 *
 * A recorder in front of both stack simulators logs every API request that reaches them (not
 * `/sim/*`), so a test learns where the dispatcher sent a call instead of assuming it.
 */
export interface TwinnedStack extends Stack {
  twin: Record<SystemName, SimulatorInstance>;
  /** Every API request that reached a stack simulator, in arrival order. */
  arrivals: Arrival[];
}

export interface Arrival {
  system: SystemName;
  listener: SimListener;
  method: string;
  path: string;
  /** SOAP requests on the admin listener only (the recorder reads those whole). */
  soapAction?: string;
  body?: string;
}

/** The same simulator options as `startStack` (source i_env 3 with 50 customers, target i_env 8 with 10, seed 1). */
export async function startTwinnedStack(t: AfterHook, options: StackOptions = {}): Promise<TwinnedStack> {
  const stack = await startStack(t, options);
  const ttl = options.sessionTtlSeconds === undefined ? {} : { sessionTtlSeconds: options.sessionTtlSeconds };
  const source = await createSimulator({ role: 'source', env: 3, customers: options.sourceCustomers ?? 50, seed: 1, ...ttl, ...options.simOptions });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: options.targetCustomers ?? 10, seed: 1, ...ttl, ...options.simOptions });
  t.after(() => target.close());
  const twinned: TwinnedStack = { ...stack, twin: { source, target }, arrivals: [] };
  record(stack.source, 'source', twinned.arrivals);
  record(stack.target, 'target', twinned.arrivals);
  return twinned;
}

/**
 * Logs what reaches a simulator. REST and everything else: only method and path (the
 * recorder declines, so the simulator's own route answers). SOAP on the admin listener: the
 * whole request, answered by a SOAP route of the same API (what the built-in one is).
 */
function record(sim: SimulatorInstance, system: SystemName, arrivals: Arrival[]): void {
  for (const listener of SIM_LISTENERS) {
    const soap = listener === 'admin' ? soapRoute(sim.api, 'admin') : undefined;
    sim.mount(listener, {
      name: `recorder:${listener}`,
      matches(method, rawPath) {
        if (rawPath === '/sim' || rawPath.startsWith('/sim/')) return false;
        const whole = soap !== undefined && method === 'POST' && (rawPath.startsWith('/soap/') || rawPath === '/soap');
        if (!whole) arrivals.push({ system, listener, method, path: rawPath });
        return whole;
      },
      fault: (f) => soap!.fault(f),
      handle(req) {
        const action = req.headers.soapaction;
        arrivals.push({ system, listener, method: req.method, path: req.rawPath, body: req.body.toString('utf8'), ...(typeof action === 'string' ? { soapAction: action } : {}) });
        return soap!.handle(req);
      },
    });
  }
}

/**
 * The systems that received `service/method` among `arrivals` (a REST path `/rest/S/m`, a SOAP
 * path `/soap/S/m`, or a SOAP endpoint `/soap/S…Service` whose SOAPAction or first body
 * element names the method). Other calls the dispatcher made meanwhile (a lookup) do not count.
 */
export function systemsThatServed(arrivals: readonly Arrival[], service: string, method: string): SystemName[] {
  const served = new Set<SystemName>();
  for (const a of arrivals) {
    const path = a.path.split('?')[0]!.replace(/\/+$/, '');
    const named = path.endsWith(`/rest/${service}/${method}`) || path.endsWith(`/soap/${service}/${method}`)
      || (path.startsWith(`/soap/${service}`) && (a.soapAction?.replace(/"/g, '').endsWith(`#${method}`) === true
        || new RegExp(`<SOAP-ENV:Body>\\s*<(?:[\\w.-]+:)?${method}[\\s>/]`).test(a.body ?? '')));
    // `/rest/S/m/<sid>/<params>` (the legacy path form) names the method too.
    const legacy = new RegExp(`^/rest/${service}/${method}/`).test(a.path);
    if (named || legacy) served.add(a.system);
  }
  return (['source', 'target'] as const).filter((s) => served.has(s));
}

/** Where two byte strings first differ, with some text either side (for a failure message). */
export function firstDifference(a: Buffer | string, b: Buffer | string): string {
  const x = Buffer.isBuffer(a) ? a : Buffer.from(a);
  const y = Buffer.isBuffer(b) ? b : Buffer.from(b);
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  if (i === x.length && i === y.length) return 'equal';
  const around = (buf: Buffer): string => JSON.stringify(buf.subarray(Math.max(0, i - 40), i + 80).toString('latin1'));
  return `first difference at byte ${i} (lengths ${x.length} / ${y.length}): through ${around(x)} / directly ${around(y)}`;
}

/** A request param value: every required field of the request type filled, ids `id`. */
export type ParamValue = number | string | ParamValue[] | { [k: string]: ParamValue };

/** Params with every required field of the request type filled (ids `id`, an entity struct with its id), as the REST walk fills them. */
export function requiredParams(d: SimDescription, typeName: string, id: number): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [f, spec] of Object.entries(d.types.get(typeName)?.fields ?? {})) {
    if (spec.required !== true) continue;
    if (spec.type.endsWith('[]')) out[f] = [id];
    else if (spec.type === 'int') out[f] = id;
    else if (spec.type === 'float') out[f] = 1.5;
    else if (isScalar(spec.type)) out[f] = 'x';
    else {
      const idField = Object.keys(d.types.get(spec.type)?.fields ?? {}).find((k) => k.startsWith('i_'));
      out[f] = idField === undefined ? {} : { [idField]: id };
    }
  }
  return out;
}
