import type { SystemName } from '../core/api-call.ts';

/**
 * What a reconcile finds, per customer:
 * - `misplaced`: the directory places it on a system that does not hold it active; the other does;
 * - `absent`: the directory places it on a system, and neither holds it active;
 * - `unlisted`: no directory entry, active on a system other than where ID parity sends it;
 * - `onBoth`: active on both systems (a copy not marked moved).
 */
export const FINDING_KINDS = ['misplaced', 'absent', 'unlisted', 'onBoth'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  iCustomer: number;
  /** Where the directory places it (null: no entry). */
  directory: SystemName | null;
  /** The systems that hold it active. */
  activeOn: SystemName[];
}

export interface FixedEntry {
  iCustomer: number;
  kind: FindingKind;
  from: SystemName | null;
  to: SystemName;
}

export interface SkippedFix {
  iCustomer: number;
  kind: FindingKind;
  reason: string;
}

export type ReconcileTrigger = 'api' | 'periodic';

export interface ReconcileReport {
  /** clean: nothing found; found: findings (fixed or not); incomplete: could not compare. */
  outcome: 'clean' | 'found' | 'incomplete';
  trigger: ReconcileTrigger;
  fix: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Customers active on each system, directory entries read, entries left out for being in a cutover. */
  counts: { source: number; target: number; directory: number; moving: number };
  /** Exact counts; `ids` lists the first `maxListed` of each kind. */
  findings: Record<FindingKind, { count: number; ids: Finding[] }>;
  fixed: { count: number; entries: FixedEntry[] };
  /** Findings `--fix` left alone (a cutover or campaign, no single system to point at, a change during the run). */
  notFixed: { count: number; entries: SkippedFix[] };
  truncated: boolean;
  error?: string;
}

export function emptyFindings(): ReconcileReport['findings'] {
  return { misplaced: { count: 0, ids: [] }, absent: { count: 0, ids: [] }, unlisted: { count: 0, ids: [] }, onBoth: { count: 0, ids: [] } };
}

export function findingsTotal(report: ReconcileReport): number {
  return FINDING_KINDS.reduce((n, k) => n + report.findings[k].count, 0);
}
