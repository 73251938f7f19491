import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '../../core/api-call.ts';

/**
 * The simulator's machine-readable API description: one JSON file per service under
 * `services/` (methods → request/response struct types, struct types with their fields, and
 * the entities the generic record store seeds). It is the one source the simulator's docs (and,
 * next, its REST/SOAP method tables and WSDLs) are built from; adding a method is a data change.
 */
export type SimScalar = 'int' | 'float' | 'string' | 'date' | 'dateTime' | 'boolean';

export interface SimFieldSpec {
  /** A scalar, a struct type name, or either followed by `[]` (an array of it). */
  type: string;
  required?: boolean;
}

export interface SimTypeSpec {
  fields: Record<string, SimFieldSpec>;
}

export interface SimMethodSpec {
  request: string;
  response: string;
  /** Answered by a hand-written handler (real behaviour); the others answer generically. */
  implemented?: boolean;
  /** The generic store entity the method works on, and how (by its name otherwise). */
  entity?: string;
  kind?: 'list' | 'info' | 'add' | 'update' | 'delete' | 'action';
  /** A binary reply (a file), always or when the named request flag is set. */
  binary?: { contentType: string; when?: string };
  /** Realms that may call it (the service's realms otherwise). */
  realms?: string[];
}

export interface SimEntitySpec {
  type: string;
  id: string;
  seed: number;
  owner?: string;
}

export interface SimServiceSpec {
  service: string;
  realms: string[];
  methods: Record<string, SimMethodSpec>;
  types: Record<string, SimTypeSpec>;
  entities?: Record<string, SimEntitySpec>;
}

export interface SimDescription {
  services: Map<string, SimServiceSpec>;
  /** Every struct type of every service, by name (type names are global, as in the WSDLs). */
  types: Map<string, SimTypeSpec>;
}

const SCALARS: ReadonlySet<string> = new Set(['int', 'float', 'string', 'date', 'dateTime', 'boolean']);

/** The element type of `X[]`, or the type itself. */
export function baseType(type: string): string {
  return type.endsWith('[]') ? type.slice(0, -2) : type;
}

export function isScalar(type: string): boolean {
  return SCALARS.has(baseType(type));
}

/**
 * Builds a description from service specs, checking that every type a field or method names
 * exists and that no type is defined twice with different fields.
 * @throws Error listing every problem.
 */
export function buildDescription(specs: readonly SimServiceSpec[]): SimDescription {
  const services = new Map<string, SimServiceSpec>();
  const types = new Map<string, SimTypeSpec>();
  const problems: string[] = [];
  for (const s of specs) {
    if (services.has(s.service)) problems.push(`service ${s.service} is described twice`);
    services.set(s.service, s);
    for (const [name, t] of Object.entries(s.types)) {
      const had = types.get(name);
      if (had !== undefined && JSON.stringify(had) !== JSON.stringify(t)) problems.push(`type ${name} (${s.service}) differs from its other definition`);
      types.set(name, t);
    }
  }
  const known = (type: string): boolean => isScalar(type) || types.has(baseType(type));
  for (const s of specs) {
    for (const [m, spec] of Object.entries(s.methods)) {
      for (const t of [spec.request, spec.response]) if (!types.has(t)) problems.push(`${s.service}/${m} names the missing type ${t}`);
      if (spec.entity !== undefined && s.entities?.[spec.entity] === undefined) problems.push(`${s.service}/${m} names the missing entity ${spec.entity}`);
    }
    for (const [e, spec] of Object.entries(s.entities ?? {})) if (!types.has(spec.type)) problems.push(`entity ${s.service}.${e} names the missing type ${spec.type}`);
  }
  for (const [name, t] of types) {
    for (const [f, spec] of Object.entries(t.fields)) if (!known(spec.type)) problems.push(`${name}.${f} has the unknown type ${spec.type}`);
  }
  if (problems.length > 0) throw new Error(`Invalid simulator API description: ${problems.join('; ')}`);
  return { services, types };
}

const DIR = fileURLToPath(new URL('./services/', import.meta.url));

/** The description shipped with the simulator (the JSON files next to this module). */
export function loadSimDescription(): SimDescription {
  return buildDescription(loadSimServiceSpecs());
}

/** The shipped service specs, fresh copies (a caller may change them before building). */
export function loadSimServiceSpecs(): SimServiceSpec[] {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
  return files.map((f) => JSON.parse(readFileSync(`${DIR}${f}`, 'utf8')) as SimServiceSpec);
}

/**
 * One service as `/doc/api/<Service>Interface.json` serves it: its methods with their request
 * and response types, and every struct type those reach (transitively), sorted for stable bytes.
 */
export function serviceDocument(d: SimDescription, service: string, version: string): JsonObject | undefined {
  const s = d.services.get(service);
  if (s === undefined) return undefined;
  const reached = new Set<string>();
  const visit = (type: string): void => {
    const base = baseType(type);
    if (isScalar(base) || reached.has(base)) return;
    reached.add(base);
    for (const f of Object.values(d.types.get(base)?.fields ?? {})) visit(f.type);
  };
  const methods = Object.keys(s.methods).sort().map((name) => {
    const m = s.methods[name]!;
    visit(m.request);
    visit(m.response);
    return {
      name, request: m.request, response: m.response, realms: m.realms ?? s.realms,
      rest: `/rest/${service}/${name}`, soap: `/soap/${service}/${name}`,
      ...(m.binary ? { binary: m.binary } : {}),
    };
  });
  const types = Object.fromEntries([...reached].sort().map((t) => [t, { fields: d.types.get(t)!.fields }])) as unknown as JsonObject;
  return { name: `${service}Interface`, service, version, methods, types };
}
