import type { JsonObject } from '../../core/api-call.ts';
import type { FieldKind } from '../model/records.ts';
import { optInt, optNumber, optString } from './params.ts';
import { simFault } from './sim-faults.ts';

/**
 * Validates the writable fields present in `input` against `schema` and returns them with their
 * typed values; unknown fields are ignored, a wrong type throws before anything is changed.
 */
export function validatePatch(input: JsonObject, schema: Readonly<Record<string, FieldKind>>): JsonObject {
  const out: JsonObject = {};
  for (const [field, kind] of Object.entries(schema)) {
    if (!(field in input)) continue;
    const raw = input[field];
    switch (kind) {
      case 'string': {
        const v = optString(input, field);
        if (v === undefined) throw simFault('validation', `Field ${field} cannot be null`);
        if (v.length > 4096) throw simFault('validation', `Field ${field} is longer than 4096 characters`);
        out[field] = v;
        break;
      }
      case 'number': {
        const v = optNumber(input, field);
        if (v === undefined) throw simFault('validation', `Field ${field} cannot be null`);
        out[field] = v;
        break;
      }
      case 'nullable-number':
        out[field] = raw === null || raw === '' ? null : (optNumber(input, field) ?? null);
        break;
      case 'integer': {
        const v = optInt(input, field);
        if (v === undefined) throw simFault('validation', `Field ${field} cannot be null`);
        out[field] = v;
        break;
      }
      case 'nullable-integer':
        out[field] = raw === null || raw === '' ? null : (optInt(input, field) ?? null);
        break;
      case 'YN': {
        if (raw !== 'Y' && raw !== 'N') throw simFault('validation', `Field ${field} must be "Y" or "N", got ${JSON.stringify(raw)}`);
        out[field] = raw;
        break;
      }
    }
  }
  return out;
}
