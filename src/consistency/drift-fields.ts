import { createHash } from 'node:crypto';
import type { JsonValue } from '../core/api-call.ts';

/** One field that differs between the two copies of an entity; an absent side means the field is missing there. */
export interface FieldDifference {
  field: string;
  source?: JsonValue;
  target?: JsonValue;
}

type Entity = Record<string, unknown>;

/** JSON with object keys sorted, so equal values have equal text whatever order the system sent them in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Entity)[k])}`).join(',')}}`;
}

/**
 * Which fields of one entity type are compared. Nested objects are compared field by field
 * (`volume_discount_plan.threshold`); lists as a whole. Left out: a plain name at any depth
 * (`i_env`), a `type:path` of this type, and the fields that show another type's entity.
 */
export class ComparedFields {
  readonly #anywhere: ReadonlySet<string>;
  readonly #paths: ReadonlySet<string>;

  constructor(typeName: string, excludeFields: readonly string[], derivedFields: readonly string[] = []) {
    const anywhere = new Set<string>();
    const paths = new Set<string>(derivedFields);
    for (const f of excludeFields) {
      const at = f.indexOf(':');
      if (at === -1) anywhere.add(f);
      else if (f.slice(0, at) === typeName) paths.add(f.slice(at + 1));
    }
    this.#anywhere = anywhere;
    this.#paths = paths;
  }

  /** The compared fields of an entity: dotted path → value, in path order. */
  of(entity: Entity): Array<[string, unknown]> {
    const out: Array<[string, unknown]> = [];
    const walk = (obj: Entity, prefix: string): void => {
      for (const key of Object.keys(obj).sort()) {
        const path = prefix === '' ? key : `${prefix}.${key}`;
        if (this.#anywhere.has(key) || this.#paths.has(path)) continue;
        const v = obj[key];
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v as Entity, path);
        else out.push([path, v]);
      }
    };
    walk(entity, '');
    return out;
  }

  /**
   * A 48-bit digest of the compared fields. Two copies with the same digest are taken as equal
   * (a false match among 10^6 entities has odds of about 1 in 500,000,000); only the copies that
   * differ are kept whole, so a comparison holds a number per entity, not the entity.
   */
  digest(entity: Entity): number {
    const h = createHash('sha1');
    for (const [path, v] of this.of(entity)) h.update(`${path}\u0000${canonicalJson(v)}\u0001`);
    return h.digest().readUIntBE(0, 6);
  }

  /** The fields that differ, in path order (none: the copies are equal for the comparison). */
  differences(source: Entity, target: Entity): FieldDifference[] {
    const a = new Map(this.of(source));
    const b = new Map(this.of(target));
    const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
    const out: FieldDifference[] = [];
    for (const field of paths) {
      const has = [a.has(field), b.has(field)];
      const [sv, tv] = [a.get(field), b.get(field)];
      if (has[0] === has[1] && canonicalJson(sv) === canonicalJson(tv)) continue;
      const d: FieldDifference = { field };
      if (has[0]) d.source = (sv ?? null) as JsonValue;
      if (has[1]) d.target = (tv ?? null) as JsonValue;
      out.push(d);
    }
    return out;
  }
}
