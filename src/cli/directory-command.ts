import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { parseImport } from '../directory/import-parser.ts';
import type { ImportFormat } from '../directory/import-parser.ts';
import { SqliteDirectory } from '../directory/sqlite-directory.ts';
import { isApiFault } from '../core/faults.ts';

const USAGE = `usage: webdispatcher directory import FILE [--format csv|ndjson]
         (--ops-url URL --token T  |  --sqlite PATH)
  Streams a CSV or NDJSON file of locations (see docs/directory-consistency.md for the columns)
  into the running dispatcher through its operator API, or with --sqlite straight into a SQLite
  directory file (offline, dispatcher stopped). Prints {accepted, rejected, rejectedCount}.
  --ops-url and --token default to $WEBDISPATCHER_OPS_URL and $WEBDISPATCHER_OPS_TOKEN.
  The format defaults from the file name (.csv → csv, else ndjson).
       webdispatcher directory reconcile [--fix] [--format table|json]   (see --help there)
`;

/** `webdispatcher directory import`: exit 0 all rows accepted, 1 some rejected or failure, 2 usage. */
export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'reconcile') return (await import('./reconcile-command.ts')).run(argv.slice(1));
  let parsed: { values: { format?: string; 'ops-url'?: string; token?: string; sqlite?: string; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string' }, 'ops-url': { type: 'string' }, token: { type: 'string' }, sqlite: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    process.stderr.write(`webdispatcher directory: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) { process.stdout.write(USAGE); return 0; }
  const [sub, file, ...extra] = positionals;
  const opsUrl = values['ops-url'] ?? process.env.WEBDISPATCHER_OPS_URL;
  const token = values.token ?? process.env.WEBDISPATCHER_OPS_TOKEN;
  const problems: string[] = [];
  if (sub !== 'import') problems.push(sub === undefined ? 'missing subcommand (import)' : `unknown subcommand ${JSON.stringify(sub)}`);
  if (file === undefined) problems.push('missing FILE');
  if (extra.length > 0) problems.push(`unexpected arguments: ${extra.join(' ')}`);
  const format = (values.format ?? (file?.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson')) as ImportFormat;
  if (format !== 'csv' && format !== 'ndjson') problems.push(`--format ${JSON.stringify(values.format)} is not csv or ndjson`);
  if (values.sqlite === undefined && (opsUrl === undefined || token === undefined)) problems.push('give --sqlite PATH, or --ops-url and --token (or their environment variables)');
  if (problems.length === 0) {
    try { if (!(await stat(file!)).isFile()) problems.push(`${file} is not a file`); } catch { problems.push(`cannot read ${file}`); }
  }
  if (problems.length > 0) {
    process.stderr.write(problems.map((p) => `webdispatcher directory: ${p}\n`).join('') + USAGE);
    return 2;
  }

  if (values.sqlite !== undefined) {
    let directory: SqliteDirectory | undefined;
    try {
      directory = await SqliteDirectory.open({ path: values.sqlite, shared: false });
      const report = await directory.importRecords(parseImport(createReadStream(file!), format));
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return report.rejectedCount === 0 ? 0 : 1;
    } catch (err) {
      process.stderr.write(`webdispatcher directory: ${isApiFault(err) ? err.faultstring : (err as Error).message}\n`);
      return 1;
    } finally {
      await directory?.close();
    }
  }

  const url = new URL('/v1/locations/import', opsUrl);
  try {
    const body = Readable.toWeb(createReadStream(file!)) as ReadableStream<Uint8Array>;
    const init = { method: 'POST', body, duplex: 'half', headers: { authorization: `Bearer ${token!}`, 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson' } };
    const res = await fetch(url, init as RequestInit);
    const text = await res.text();
    if (!res.ok) {
      process.stderr.write(`webdispatcher directory: HTTP ${res.status}: ${text}\n`);
      return 1;
    }
    process.stdout.write(`${text}\n`);
    return (JSON.parse(text) as { rejectedCount?: number }).rejectedCount === 0 ? 0 : 1;
  } catch (err) {
    process.stderr.write(`webdispatcher directory: import through ${url.origin} failed: ${(err as Error).message}\n`);
    return 1;
  }
}
