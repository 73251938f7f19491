import type { JsonObject, JsonValue } from '../../core/api-call.ts';
import { baseType, isScalar } from '../description/description.ts';
import type { SimDescription, SimEntitySpec, SimFieldSpec, SimMethodSpec, SimServiceSpec } from '../description/description.ts';
import type { SimHandlerTable } from './sim-context.ts';
import { simFault } from './sim-faults.ts';

/**
 * Answers every described method that has no hand-written handler, generically but plausibly:
 * request fields are checked against the request type (required, scalar types, structs), list
 * and info read a per-entity record store seeded deterministically, add/update/delete change
 * it, and any other method answers with its response type filled in.
 */
export function registerGenericServices(table: SimHandlerTable, d: SimDescription): void {
  const stores = new Map<string, Map<number, JsonObject>>();
  const sample = (typeName: string, k: number, entity?: SimEntitySpec): JsonObject => {
    const out: JsonObject = {};
    for (const [f, spec] of Object.entries(d.types.get(typeName)?.fields ?? {})) {
      const v = sampleValue(f, spec.type, k, entity);
      if (v !== undefined) out[f] = v;
    }
    return out;
  };
  const storeOf = (service: string, name: string, e: SimEntitySpec): Map<number, JsonObject> => {
    const key = `${service}.${name}`;
    let m = stores.get(key);
    if (m === undefined) {
      m = new Map();
      for (let k = 1; k <= e.seed; k++) m.set(k, sample(e.type, k, e));
      stores.set(key, m);
    }
    return m;
  };
  for (const s of d.services.values()) {
    for (const [name, m] of Object.entries(s.methods)) {
      const key = `${s.service}/${name}`;
      if (m.implemented === true || table.has(key) || s.service === 'Session') continue;
      table.set(key, (ctx, params) => {
        if (!(m.realms ?? s.realms).includes(ctx.realm)) throw simFault('permissionDenied', `${key} is not available to the ${ctx.realm} realm`);
        const p = checkStruct(d, m.request, params, `${key}`, true);
        return answer(d, s, name, m, p, storeOf, sample);
      });
    }
  }
}

function sampleValue(field: string, type: string, k: number, e?: SimEntitySpec): JsonValue | undefined {
  if (type.endsWith('[]')) return [];
  if (!isScalar(type)) return undefined;
  if (e !== undefined && field === e.id) return k;
  if (e?.owner === field) return ((k - 1) % 3) + 1;
  switch (type) {
    case 'int': return field.startsWith('i_') ? ((k - 1) % 3) + 1 : k % 2;
    case 'float': return k * 1.25;
    case 'date': return `2026-01-${String(k % 28 + 1).padStart(2, '0')}`;
    case 'dateTime': return `2026-01-${String(k % 28 + 1).padStart(2, '0')} 00:00:00`;
    case 'boolean': return k % 2 === 0;
    default: return field === 'name' ? `${e?.type.replace(/Info$/, '') ?? 'Item'} ${k}` : `${field}-${k}`;
  }
}

function bad(where: string, what: string): Error {
  return simFault('validation', `${where}: ${what}`);
}

function checkValue(d: SimDescription, spec: SimFieldSpec, v: JsonValue, where: string): JsonValue {
  if (v === null) return null;
  if (spec.type.endsWith('[]')) {
    if (!Array.isArray(v)) throw bad(where, `must be an array of ${baseType(spec.type)}`);
    return v.map((item, i) => checkValue(d, { type: baseType(spec.type) }, item, `${where}[${i}]`));
  }
  switch (spec.type) {
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && /^-?\d{1,15}$/.test(v)) return Number(v);
      throw bad(where, `must be an integer, got ${JSON.stringify(v).slice(0, 40)}`);
    case 'float':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
      throw bad(where, `must be a number, got ${JSON.stringify(v).slice(0, 40)}`);
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 0 || v === 1 || v === '0' || v === '1') return Number(v) === 1;
      throw bad(where, 'must be a boolean');
    case 'string': case 'date': case 'dateTime':
      if (typeof v === 'string') return v;
      if (typeof v === 'number') return String(v);
      throw bad(where, 'must be a string');
    default:
      if (typeof v !== 'object' || Array.isArray(v)) throw bad(where, `must be a ${spec.type} struct`);
      return checkStruct(d, spec.type, v, where, false);
  }
}

/** The params as the type declares them: unknown fields are dropped, as a typed backend does. */
function checkStruct(d: SimDescription, typeName: string, v: JsonObject, where: string, enforceRequired: boolean): JsonObject {
  const fields = d.types.get(typeName)?.fields ?? {};
  const out: JsonObject = {};
  for (const [f, spec] of Object.entries(fields)) {
    const value = v[f];
    if (value === undefined) {
      if (enforceRequired && spec.required === true) throw bad(where, `the required field ${f} is missing`);
      continue;
    }
    out[f] = checkValue(d, spec, value, `${where}.${f}`);
  }
  return out;
}

function structField(d: SimDescription, typeName: string): [string, string] | undefined {
  const entry = Object.entries(d.types.get(typeName)?.fields ?? {}).find(([, f]) => !isScalar(f.type));
  return entry === undefined ? undefined : [entry[0], entry[1].type];
}

function answer(
  d: SimDescription, s: SimServiceSpec, name: string, m: SimMethodSpec, p: JsonObject,
  storeOf: (service: string, name: string, e: SimEntitySpec) => Map<number, JsonObject>,
  sample: (typeName: string, k: number, e?: SimEntitySpec) => JsonObject,
): JsonObject {
  const e = m.entity === undefined ? undefined : s.entities?.[m.entity];
  if (e === undefined || m.entity === undefined || m.kind === undefined || m.kind === 'action') {
    const out: JsonObject = {};
    for (const [f, spec] of Object.entries(d.types.get(m.response)?.fields ?? {})) {
      if (spec.type.endsWith('[]')) out[f] = [];
      else if (!isScalar(spec.type)) out[f] = sample(spec.type, 1);
      else out[f] = f === 'success' ? 1 : sampleValue(f, spec.type, 1) ?? null;
    }
    return out;
  }
  const store = storeOf(s.service, m.entity, e);
  const notFound = (id: unknown): Error => simFault('validation', `${s.service}/${name}: no ${m.entity} with ${e.id} ${String(id)}`);
  switch (m.kind) {
    case 'list': {
      const filters = Object.entries(p).filter(([k]) => !['limit', 'offset', 'get_total'].includes(k) && Object.hasOwn(d.types.get(e.type)?.fields ?? {}, k));
      const rows = [...store.values()].filter((r) => filters.every(([k, v]) => r[k] === v));
      const offset = typeof p.offset === 'number' ? p.offset : 0;
      const limit = typeof p.limit === 'number' && p.limit > 0 ? p.limit : rows.length;
      const [listField] = structField(d, m.response) ?? [`${m.entity}_list`];
      return { [listField]: rows.slice(offset, offset + limit), ...(p.get_total === 1 ? { total: rows.length } : {}) };
    }
    case 'info': {
      const row = store.get(p[e.id] as number);
      if (row === undefined) throw notFound(p[e.id]);
      return { [structField(d, m.response)?.[0] ?? `${m.entity}_info`]: row };
    }
    case 'add': case 'update': {
      const [field] = structField(d, m.request) ?? [`${m.entity}_info`];
      const info = (p[field] ?? {}) as JsonObject;
      if (m.kind === 'add') {
        const id = Math.max(0, ...store.keys()) + 1;
        store.set(id, { ...info, ...(e.owner !== undefined && p[e.owner] !== undefined ? { [e.owner]: p[e.owner]! } : {}), [e.id]: id });
        return { [e.id]: id };
      }
      const id = info[e.id];
      const row = typeof id === 'number' ? store.get(id) : undefined;
      if (row === undefined) throw notFound(id);
      store.set(id as number, { ...row, ...info });
      return { [e.id]: id as number };
    }
    case 'delete': {
      if (!store.delete(p[e.id] as number)) throw notFound(p[e.id]);
      return { success: 1 };
    }
  }
  return {};
}
