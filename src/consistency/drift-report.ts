import type { JsonValue } from '../core/api-call.ts';
import type { FieldDifference } from './drift-fields.ts';
import type { WsdlComparison } from './api-versions.ts';

/** An entity on one system only. */
export interface DriftEntry {
  id: number;
  name?: string;
}

/** An entity on both systems whose compared fields differ. */
export interface DifferingEntity extends DriftEntry {
  fields: FieldDifference[];
}

/** The comparison of one entity type. Counts are exact; the lists hold at most `drift.maxListed` entries each. */
export interface EntityDrift {
  entity: string;
  /** False when the type could not be compared (a system refused or answered nonsense): see `error`. */
  compared: boolean;
  error?: string;
  counts: { source: number; target: number; missingOnTarget: number; missingOnSource: number; differing: number };
  missingOnTarget: DriftEntry[];
  missingOnSource: DriftEntry[];
  differing: DifferingEntity[];
  /** Some entries were left out of the lists (more than `drift.maxListed`). */
  truncated: boolean;
}

export type DriftTrigger = 'api' | 'periodic';

/**
 * One drift run. `outcome`: `clean` (every type compared, no difference), `drift` (every type
 * compared, differences found) or `incomplete` (a type could not be compared; what was found in
 * the others is still listed).
 */
export interface DriftReport {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  trigger: DriftTrigger;
  outcome: 'clean' | 'drift' | 'incomplete';
  /** Differences were found in the types that were compared. */
  drift: boolean;
  totals: { missingOnTarget: number; missingOnSource: number; differing: number };
  entities: EntityDrift[];
  /** The systems' WSDLs (`drift.wsdls`): a differing API is drift, an unreadable WSDL makes the run incomplete. */
  api: WsdlComparison[];
}

export function differencesOf(e: EntityDrift): number {
  return e.counts.missingOnTarget + e.counts.missingOnSource + e.counts.differing;
}

export function summarise(entities: EntityDrift[], trigger: DriftTrigger, startedAt: number, finishedAt: number, api: WsdlComparison[] = []): DriftReport {
  const totals = { missingOnTarget: 0, missingOnSource: 0, differing: 0 };
  for (const e of entities) {
    totals.missingOnTarget += e.counts.missingOnTarget;
    totals.missingOnSource += e.counts.missingOnSource;
    totals.differing += e.counts.differing;
  }
  const read = (w: WsdlComparison) => !('error' in w.source) && !('error' in w.target);
  const drift = totals.missingOnTarget + totals.missingOnSource + totals.differing > 0 || api.some((w) => read(w) && !w.same);
  return {
    startedAt: new Date(startedAt).toISOString(), finishedAt: new Date(finishedAt).toISOString(), durationMs: finishedAt - startedAt, trigger,
    outcome: entities.some((e) => !e.compared) || !api.every(read) ? 'incomplete' : drift ? 'drift' : 'clean',
    drift, totals, entities, api,
  };
}

/** One line of the report as the CLI table and the dashboard show it. */
export interface DriftRow {
  entity: string;
  id: number;
  name?: string;
  difference: 'missing on target' | 'missing on source' | 'differs';
  field?: string;
  source?: JsonValue;
  target?: JsonValue;
}

/** The listed differences of a report, one row per missing entity and per differing field. */
export function driftRows(report: DriftReport): DriftRow[] {
  const rows: DriftRow[] = [];
  const named = (e: DriftEntry) => (e.name === undefined ? {} : { name: e.name });
  for (const t of report.entities) {
    for (const m of t.missingOnTarget) rows.push({ entity: t.entity, id: m.id, ...named(m), difference: 'missing on target' });
    for (const m of t.missingOnSource) rows.push({ entity: t.entity, id: m.id, ...named(m), difference: 'missing on source' });
    for (const d of t.differing) for (const f of d.fields) rows.push({ entity: t.entity, id: d.id, ...named(d), difference: 'differs', ...f });
  }
  // A WSDL that differs: by its stated API version when the versions differ, else by its text's hash.
  for (const w of report.api ?? []) {
    if (w.same || 'error' in w.source || 'error' in w.target) continue;
    const byVersion = w.source.version !== w.target.version;
    rows.push({
      entity: 'api', id: 0, name: w.file, difference: 'differs', field: byVersion ? 'version' : 'sha256',
      source: byVersion ? w.source.version ?? null : w.source.sha256.slice(0, 12), target: byVersion ? w.target.version ?? null : w.target.sha256.slice(0, 12),
    });
  }
  return rows;
}
