import type { JsonObject, JsonValue } from '../../core/api-call.ts';
import { simFault } from './sim-faults.ts';

/**
 * Typed readers for call params. A known param with a wrong type is a validation fault naming
 * the param and the value seen; unknown params are never looked at (PortaBilling ignores them).
 * Digit strings are accepted for integers because form and SOAP clients send every value as text.
 */
function show(v: JsonValue): string {
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function optInt(params: JsonObject, name: string): number | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim())) return Number(v.trim());
  throw simFault('validation', `Parameter ${name} must be an integer, got ${show(v)}`);
}

export function optNumber(params: JsonObject, name: string): number | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw simFault('validation', `Parameter ${name} must be a number, got ${show(v)}`);
}

export function optString(params: JsonObject, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw simFault('validation', `Parameter ${name} must be a string, got ${show(v)}`);
}

/** PortaBilling flags: 1/0, true/false, "1"/"0", "Y"/"N". */
export function optFlag(params: JsonObject, name: string): boolean | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (v === 1 || v === true || v === '1' || v === 'Y' || v === 'true') return true;
  if (v === 0 || v === false || v === '0' || v === 'N' || v === 'false' || v === '') return false;
  throw simFault('validation', `Parameter ${name} must be a flag (1 or 0), got ${show(v)}`);
}

export function optObject(params: JsonObject, name: string): JsonObject | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object' && !Array.isArray(v)) return v;
  throw simFault('validation', `Parameter ${name} must be an object, got ${show(v)}`);
}

export function reqObject(params: JsonObject, name: string): JsonObject {
  const v = optObject(params, name);
  if (v === undefined) throw simFault('validation', `Parameter ${name} is required`);
  return v;
}

export function reqInt(params: JsonObject, name: string): number {
  const v = optInt(params, name);
  if (v === undefined) throw simFault('validation', `Parameter ${name} is required`);
  return v;
}

/** limit/offset paging (offset ≥ 0, limit ≥ 0); limit undefined = no limit given. */
export function paging(params: JsonObject): { limit: number | undefined; offset: number; getTotal: boolean } {
  const limit = optInt(params, 'limit');
  const offset = optInt(params, 'offset') ?? 0;
  if (limit !== undefined && limit < 0) throw simFault('validation', `Parameter limit must be ≥ 0, got ${limit}`);
  if (offset < 0) throw simFault('validation', `Parameter offset must be ≥ 0, got ${offset}`);
  return { limit, offset, getTotal: optFlag(params, 'get_total') ?? false };
}

/** A SQL LIKE pattern with `%` (any run) and `_` (one char) as a predicate; exact match otherwise. */
export function likeMatcher(pattern: string): (value: string) => boolean {
  if (!pattern.includes('%') && !pattern.includes('_')) return (v) => v === pattern;
  const re = new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 'is');
  return (v) => re.test(v);
}
