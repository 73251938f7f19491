import type { DirectoryRecord, ImportReport, ImportRow } from './location-directory.ts';
import { MAX_REPORTED_REJECTIONS } from './location-directory.ts';
import { invalidRecordReason } from './directory-record.ts';

export type ValidRow = { line: number; record: DirectoryRecord };
export type Rejection = { line: number; reason: string };

/** Default rows per transaction of a bulk import. */
export const DEFAULT_IMPORT_BATCH = 5000;

/**
 * Drives a bulk import: validates every row completely, groups valid rows into batches and hands
 * each batch to `apply` (one transaction, which reports the rows it refused, e.g. a system change
 * of a moving customer). Invalid rows never reach `apply`, so no partial record is written.
 */
export async function importInBatches(
  rows: AsyncIterable<ImportRow>,
  batchSize: number,
  apply: (batch: ValidRow[]) => Promise<Rejection[]> | Rejection[],
): Promise<ImportReport> {
  const report: ImportReport = { accepted: 0, rejected: [], rejectedCount: 0 };
  const reject = (r: Rejection) => {
    report.rejectedCount++;
    if (report.rejected.length < MAX_REPORTED_REJECTIONS) report.rejected.push(r);
  };
  let batch: ValidRow[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    const refused = await apply(current);
    for (const r of refused) reject(r);
    report.accepted += current.length - refused.length;
  };
  for await (const row of rows) {
    if ('error' in row) { reject({ line: row.line, reason: row.error }); continue; }
    const why = invalidRecordReason(row.record);
    if (why !== undefined) { reject({ line: row.line, reason: why }); continue; }
    batch.push(row);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}
