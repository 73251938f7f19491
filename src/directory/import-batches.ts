import type { DirectoryRecord, ImportReport, ImportRow } from './location-directory.ts';
import { MAX_REPORTED_REJECTIONS } from './location-directory.ts';
import { invalidRecordReason } from './directory-record.ts';
import { invalidOwnedReason } from './owned-record.ts';
import type { OwnedRecord } from './owned-record.ts';

/** A checked customer row or owned-record row of an import. */
export type ValidRow = { line: number; record: DirectoryRecord } | { line: number; owned: OwnedRecord };

/** Splits a batch into its customer rows and its owned-record rows, each in input order. */
export function splitBatch(batch: readonly ValidRow[]): { records: Array<{ line: number; record: DirectoryRecord }>; owned: OwnedRecord[] } {
  const records: Array<{ line: number; record: DirectoryRecord }> = [];
  const owned: OwnedRecord[] = [];
  for (const r of batch) if ('record' in r) records.push(r); else owned.push(r.owned);
  return { records, owned };
}
export type Rejection = { line: number; reason: string };

/** Default rows per transaction of a bulk import. */
export const DEFAULT_IMPORT_BATCH = 5000;

/**
 * An import stream that can also hand over its rows one array at a time (`parseImport` does: one
 * array per input chunk). `importInBatches` then takes a whole array per asynchronous step instead
 * of one row, which is most of the per-row cost of a multi-million-row import.
 */
export const ROW_CHUNKS: unique symbol = Symbol('import row chunks');

/** See `ROW_CHUNKS`. */
export interface ChunkedImportRows extends AsyncIterable<ImportRow> {
  [ROW_CHUNKS](): AsyncIterable<readonly ImportRow[]>;
}

function hasChunks(rows: AsyncIterable<ImportRow>): rows is ChunkedImportRows {
  return typeof (rows as Partial<ChunkedImportRows>)[ROW_CHUNKS] === 'function';
}

/** The rows of `rows` in arrays: its own chunks when it has them, otherwise one row per array. */
async function* chunksOf(rows: AsyncIterable<ImportRow>): AsyncIterable<readonly ImportRow[]> {
  if (hasChunks(rows)) { yield* rows[ROW_CHUNKS](); return; }
  for await (const row of rows) yield [row];
}

/** What `apply` is told about a batch: `last` is true for the final batch of the import. */
export type BatchInfo = { last: boolean };

/**
 * Drives a bulk import: validates every row completely, groups valid rows into batches and hands
 * each batch to `apply` (one transaction, which reports the rows it refused, e.g. a system change
 * of a moving customer). Invalid rows never reach `apply`, so no partial record is written.
 * A full batch is applied only once a further valid row arrives, so `apply` knows which batch is
 * the last one (a store may make only that commit wait for the disk; see SqliteDirectory).
 */
export async function importInBatches(
  rows: AsyncIterable<ImportRow>,
  batchSize: number,
  apply: (batch: ValidRow[], info: BatchInfo) => Promise<Rejection[]> | Rejection[],
): Promise<ImportReport> {
  const report: ImportReport = { accepted: 0, rejected: [], rejectedCount: 0 };
  const reject = (r: Rejection) => {
    report.rejectedCount++;
    if (report.rejected.length < MAX_REPORTED_REJECTIONS) report.rejected.push(r);
  };
  let batch: ValidRow[] = [];
  const flush = async (last: boolean) => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    const refused = await apply(current, { last });
    for (const r of refused) reject(r);
    report.accepted += current.length - refused.length;
  };
  for await (const chunk of chunksOf(rows)) {
    for (const row of chunk) {
      if ('error' in row) { reject({ line: row.line, reason: row.error }); continue; }
      const why = 'record' in row ? invalidRecordReason(row.record) : invalidOwnedReason(row.owned);
      if (why !== undefined) { reject({ line: row.line, reason: why }); continue; }
      if (batch.length >= batchSize) await flush(false);
      batch.push(row);
    }
  }
  await flush(true);
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}
