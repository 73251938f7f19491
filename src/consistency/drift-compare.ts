import type { ServiceClient } from '../backends/service-client.ts';
import type { ConfigEntityType } from '../core/config-entity-types.ts';
import { configEntityPages } from './config-entity-pages.ts';
import { ComparedFields } from './drift-fields.ts';
import type { DifferingEntity, DriftEntry, EntityDrift } from './drift-report.ts';

export interface CompareOptions {
  excludeFields: readonly string[];
  pageSize: number;
  maxListed: number;
}

const nameOf = (fields: Record<string, unknown>): { name?: string } => (typeof fields.name === 'string' ? { name: fields.name } : {});

/**
 * Compares one entity type between the two systems by ID, holding a digest per source entity
 * rather than the entities: (1) page through the source, keeping id → digest; (2) page through the
 * target: an id the source lacks is missing on the source, a digest that differs is a differing
 * entity (its target copy kept, up to `maxListed`), and the source ids never seen are missing on
 * the target; (3) only when something is listed, page through the source again for the source
 * copies of the differing entities and the names of the missing ones. An entity changed between
 * passes is judged by what the second pass reads.
 */
export async function compareEntityType(service: ServiceClient, type: ConfigEntityType, options: CompareOptions): Promise<EntityDrift> {
  const rules = new ComparedFields(type.name, options.excludeFields, type.derivedFields);
  const result: EntityDrift = {
    entity: type.name, compared: false,
    counts: { source: 0, target: 0, missingOnTarget: 0, missingOnSource: 0, differing: 0 },
    missingOnTarget: [], missingOnSource: [], differing: [], truncated: false,
  };
  try {
    const sourceDigests = new Map<number, number>();
    for await (const page of configEntityPages(service, 'source', type, options.pageSize)) {
      for (const e of page) sourceDigests.set(e.id, rules.digest(e.fields));
    }
    result.counts.source = sourceDigests.size;

    const targetCopies = new Map<number, Record<string, unknown>>();
    const seenOnTarget = new Set<number>();
    for await (const page of configEntityPages(service, 'target', type, options.pageSize)) {
      for (const e of page) {
        if (seenOnTarget.has(e.id)) continue;
        seenOnTarget.add(e.id);
        const digest = sourceDigests.get(e.id);
        if (digest === undefined) {
          result.counts.missingOnSource++;
          if (result.missingOnSource.length < options.maxListed) result.missingOnSource.push({ id: e.id, ...nameOf(e.fields) });
          continue;
        }
        // What remains in the map after the target pass is missing on the target.
        sourceDigests.delete(e.id);
        if (digest === rules.digest(e.fields)) continue;
        result.counts.differing++;
        if (targetCopies.size < options.maxListed) targetCopies.set(e.id, e.fields);
      }
    }
    result.counts.target = seenOnTarget.size;
    seenOnTarget.clear();
    result.counts.missingOnTarget = sourceDigests.size;
    const missing = new Map<number, DriftEntry>();
    for (const id of sourceDigests.keys()) {
      if (missing.size >= options.maxListed) break;
      missing.set(id, { id });
    }
    sourceDigests.clear();

    if (targetCopies.size > 0 || missing.size > 0) {
      const differing = new Map<number, DifferingEntity>();
      for await (const page of configEntityPages(service, 'source', type, options.pageSize)) {
        for (const e of page) {
          const m = missing.get(e.id);
          if (m !== undefined) Object.assign(m, nameOf(e.fields));
          const copy = targetCopies.get(e.id);
          if (copy !== undefined && !differing.has(e.id)) differing.set(e.id, { id: e.id, ...nameOf(e.fields), fields: rules.differences(e.fields, copy) });
        }
      }
      for (const id of targetCopies.keys()) {
        const d = differing.get(id);
        // Changed back (or deleted) on the source since the first pass: no longer a difference to list.
        if (d === undefined || d.fields.length === 0) result.counts.differing--;
        else result.differing.push(d);
      }
      result.missingOnTarget = [...missing.values()];
    }
    const byId = (a: DriftEntry, b: DriftEntry) => a.id - b.id;
    result.missingOnTarget.sort(byId);
    result.missingOnSource.sort(byId);
    result.differing.sort(byId);
    result.truncated = result.counts.missingOnTarget > result.missingOnTarget.length || result.counts.missingOnSource > result.missingOnSource.length
      || result.counts.differing > result.differing.length;
    result.compared = true;
  } catch (err) {
    // Half-read counts would look like a result: a type that failed reports nothing but why.
    return {
      entity: type.name, compared: false, error: err instanceof Error ? err.message : String(err),
      counts: { source: 0, target: 0, missingOnTarget: 0, missingOnSource: 0, differing: 0 }, missingOnTarget: [], missingOnSource: [], differing: [], truncated: false,
    };
  }
  return result;
}
