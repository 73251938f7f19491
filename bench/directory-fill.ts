/**
 * A SQLite directory of N customers for the S6 directory-size levels, written straight into the
 * schema SqliteDirectory creates (one INSERT … SELECT over a recursive CTE, in one transaction)
 * instead of through the import path, which takes minutes for 10,000,000 rows. The file is kept
 * under the OS temp dir and reused while its customer count and its schema (compared with what
 * the current SqliteDirectory creates) still match.
 *
 *   node --import tsx bench/directory-fill.ts 10000000     (prints the path and how long it took)
 */
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDirectory } from '../src/directory/sqlite-directory.ts';

/** A directory file ready for a dispatcher, and what it cost. */
export interface FilledDirectory {
  path: string;
  customers: number;
  /** Seconds spent generating it now; 0 when a cached file was reused. */
  generatedS: number;
  reused: boolean;
  bytes: number;
}

/** Customer `i` lives on the target when `i` is even (both systems get half the traffic). */
const SYSTEM_SQL = "CASE WHEN i % 2 = 0 THEN 'target' ELSE 'source' END";

/** The schema of a file, as SQLite's own record of its DDL (the bench's marker table left out). */
function schemaOf(db: Database.Database): string {
  const rows = db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name <> 'bench_fill' ORDER BY type, name").all() as { type: string; name: string; sql: string | null }[];
  const version = db.prepare('SELECT max(version) FROM schema_version').pluck().get() as number;
  return JSON.stringify({ version, rows });
}

/** The schema the current SqliteDirectory writes, from a throwaway file it creates. */
async function currentSchema(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'wd-bench-schema-'));
  try {
    const d = await SqliteDirectory.open({ path: join(dir, 'schema.sqlite') });
    await d.close();
    const db = new Database(join(dir, 'schema.sqlite'), { readonly: true });
    try { return schemaOf(db); } finally { db.close(); }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cachedMatches(path: string, customers: number, schema: string): boolean {
  if (!existsSync(path)) return false;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const mark = db.prepare('SELECT customers FROM bench_fill').pluck().get() as number | undefined;
      return mark === customers && schemaOf(db) === schema;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

/** The directory file of `customers` customers (i_customer 1…N), generated or reused. */
export async function filledDirectory(customers: number, log: (msg: string) => void = () => {}): Promise<FilledDirectory> {
  const path = join(tmpdir(), `webdispatcher-bench-directory-${customers}.sqlite`);
  const schema = await currentSchema();
  const size = (): number => { const db = new Database(path, { readonly: true }); try { return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number); } finally { db.close(); } };
  if (cachedMatches(path, customers, schema)) return { path, customers, generatedS: 0, reused: true, bytes: size() };
  const started = performance.now();
  const partial = `${path}.partial`;
  for (const f of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true });
  // The schema, exactly as the product creates it.
  const d = await SqliteDirectory.open({ path: partial });
  await d.close();
  const db = new Database(partial);
  try {
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    db.transaction(() => {
      db.prepare(`INSERT INTO customers (i_customer, system, state, version, updated_at)
        WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
        SELECT i, ${SYSTEM_SQL}, 'active', 1, '2026-01-01T00:00:00.000Z' FROM c`).run(customers);
      db.exec('CREATE TABLE bench_fill (customers INTEGER NOT NULL)');
      db.prepare('INSERT INTO bench_fill (customers) VALUES (?)').run(customers);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  renameSync(partial, path);
  rmSync(`${partial}-wal`, { force: true });
  rmSync(`${partial}-shm`, { force: true });
  const generatedS = (performance.now() - started) / 1000;
  log(`directory of ${customers.toLocaleString('en-US')} customers generated in ${generatedS.toFixed(1)} s (${path})`);
  return { path, customers, generatedS, reused: false, bytes: size() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Math.min(Number(process.argv[2] ?? 1_000_000), 50_000_000);
  const f = await filledDirectory(n, (m) => console.error(m));
  console.log(JSON.stringify(f));
}
