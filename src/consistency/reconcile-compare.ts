import type { SystemName } from '../core/api-call.ts';
import type { Logger } from '../core/logger.ts';
import type { ServiceClient } from '../backends/service-client.ts';
import type { LocationDirectory, CustomerRouteRow } from '../directory/location-directory.ts';
import { activeCustomerIds } from './customer-pages.ts';
import { emptyFindings, findingsTotal, type Finding, type FindingKind, type ReconcileReport, type ReconcileTrigger } from './reconcile-report.ts';

export interface ReconcileOptions {
  pageSize: number;
  maxListed: number;
  /** Where a customer without an entry is routed by ID parity (undefined: it is discovered, no finding). */
  paritySystem: (iCustomer: number) => SystemName | undefined;
  /** Why an entry must not be corrected now (a cutover on this node, a campaign), or undefined. */
  fixBlocked: (iCustomer: number) => Promise<string | undefined>;
  logger: Logger;
}

/** An ascending stream of ids read page by page, with one id of look-ahead. */
class IdCursor<T> {
  readonly #pages: AsyncIterator<ArrayLike<T>>;
  readonly #idOf: (item: T) => number;
  #page: ArrayLike<T> = [];
  #i = 0;
  #done = false;
  count = 0;

  constructor(pages: AsyncIterable<ArrayLike<T>>, idOf: (item: T) => number) {
    this.#pages = pages[Symbol.asyncIterator]();
    this.#idOf = idOf;
  }

  /** The current item, reading the next page when this one is used up; undefined at the end. */
  async head(): Promise<T | undefined> {
    while (this.#i >= this.#page.length) {
      if (this.#done) return undefined;
      const r = await this.#pages.next();
      if (r.done === true) { this.#done = true; return undefined; }
      this.#page = r.value;
      this.#i = 0;
    }
    return this.#page[this.#i];
  }

  headId(item: T | undefined): number {
    return item === undefined ? Infinity : this.#idOf(item);
  }

  advance(): void {
    this.#i++;
    this.count++;
  }
}

async function* directoryPages(directory: LocationDirectory, pageSize: number): AsyncGenerator<CustomerRouteRow[]> {
  let after = 0;
  for (;;) {
    const rows = await directory.scanRoutes(after, pageSize);
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]![0];
  }
}

const other = (s: SystemName): SystemName => (s === 'source' ? 'target' : 'source');

/**
 * Compares the directory with both systems' customer lists in one merge-walk by i_customer: the
 * three are read a page at a time in id order, so memory stays flat whatever the number of
 * customers (a page per stream and the bounded lists of the report). With `fix`, an entry that
 * points at the wrong system, or a missing entry that parity would route elsewhere, is pointed at
 * the one system holding the customer active — re-read first, and never while the customer is in
 * a cutover or a campaign — and each change is logged with its evidence.
 */
export async function reconcile(service: ServiceClient, directory: LocationDirectory, fix: boolean, trigger: ReconcileTrigger, o: ReconcileOptions): Promise<ReconcileReport> {
  const started = Date.now();
  const report: ReconcileReport = {
    outcome: 'clean', trigger, fix, startedAt: new Date(started).toISOString(), finishedAt: '', durationMs: 0,
    counts: { source: 0, target: 0, directory: 0, moving: 0 }, findings: emptyFindings(),
    fixed: { count: 0, entries: [] }, notFixed: { count: 0, entries: [] }, truncated: false,
  };
  const source = new IdCursor(activeCustomerIds(service, 'source', o.pageSize), (id: number) => id);
  const target = new IdCursor(activeCustomerIds(service, 'target', o.pageSize), (id: number) => id);
  const dir = new IdCursor(directoryPages(directory, o.pageSize), (row: CustomerRouteRow) => row[0]);

  const note = (kind: FindingKind, f: Finding) => {
    const k = report.findings[kind];
    k.count++;
    if (k.ids.length < o.maxListed) k.ids.push(f);
  };
  const correct = async (kind: FindingKind, f: Finding, to: SystemName | undefined, evidence: string) => {
    if (!fix) return;
    const skip = (reason: string) => {
      report.notFixed.count++;
      if (report.notFixed.entries.length < o.maxListed) report.notFixed.entries.push({ iCustomer: f.iCustomer, kind, reason });
    };
    if (to === undefined) return skip(kind === 'onBoth' ? 'active on both systems: which copy is live is the operator\'s call' : 'held active by neither system');
    const blocked = await o.fixBlocked(f.iCustomer);
    if (blocked !== undefined) return skip(blocked);
    // The entry as it is now: a move or a write since the walk read it wins over the walk.
    const now = await directory.getCustomer(f.iCustomer);
    if (now?.state === 'moving') return skip('in a cutover');
    if ((now?.system ?? null) !== f.directory) return skip(`the entry changed during the run (now ${now?.system ?? 'none'})`);
    await directory.putCustomer({ iCustomer: f.iCustomer, system: to });
    report.fixed.count++;
    if (report.fixed.entries.length < o.maxListed) report.fixed.entries.push({ iCustomer: f.iCustomer, kind, from: f.directory, to });
    o.logger.warn('directory reconcile: entry corrected', { iCustomer: f.iCustomer, kind, from: f.directory ?? 'none', to, evidence });
  };

  try {
    for (;;) {
      const [s, t, d] = await Promise.all([source.head(), target.head(), dir.head()]);
      const id = Math.min(source.headId(s), target.headId(t), dir.headId(d));
      if (id === Infinity) break;
      const onSource = source.headId(s) === id;
      const onTarget = target.headId(t) === id;
      const entry = dir.headId(d) === id ? d : undefined;
      if (onSource) source.advance();
      if (onTarget) target.advance();
      if (entry !== undefined) dir.advance();
      if (entry?.[2] === 'moving') { report.counts.moving++; continue; }
      const activeOn: SystemName[] = [...(onSource ? ['source' as const] : []), ...(onTarget ? ['target' as const] : [])];
      const placed = entry?.[1] ?? null;
      const f: Finding = { iCustomer: id, directory: placed, activeOn };
      if (activeOn.length === 2) {
        note('onBoth', f);
        await correct('onBoth', f, undefined, '');
      } else if (placed !== null) {
        if (activeOn.length === 0) {
          note('absent', f);
          await correct('absent', f, undefined, '');
        } else if (activeOn[0] !== placed) {
          note('misplaced', f);
          await correct('misplaced', f, activeOn[0], `listed active on the ${activeOn[0]!} system, not on the ${placed} system (skip_exported list)`);
        }
      } else if (activeOn.length === 1) {
        const parity = o.paritySystem(id);
        if (parity !== undefined && parity !== activeOn[0]) {
          note('unlisted', f);
          await correct('unlisted', f, activeOn[0], `no directory entry; ID parity routes it to the ${parity} system, but only the ${other(parity)} system lists it active`);
        }
      }
    }
    report.outcome = findingsTotal(report) > 0 ? 'found' : 'clean';
  } catch (err) {
    report.outcome = 'incomplete';
    report.error = err instanceof Error ? err.message : String(err);
  }
  report.counts.source = source.count;
  report.counts.target = target.count;
  report.counts.directory = dir.count;
  report.truncated = Object.values(report.findings).some((k) => k.count > k.ids.length) || report.fixed.count > report.fixed.entries.length || report.notFixed.count > report.notFixed.entries.length;
  const finished = Date.now();
  report.finishedAt = new Date(finished).toISOString();
  report.durationMs = finished - started;
  return report;
}
