import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parseImport } from '../directory/import-parser.ts';
import type { ImportFormat } from '../directory/import-parser.ts';
import { SqliteDirectory } from '../directory/sqlite-directory.ts';
import { isApiFault } from '../core/faults.ts';
import { closest } from '../core/did-you-mean.ts';
import { oneLine, parseCommand, UsageError, wantsHelp } from './command-args.ts';
import { OPS_OPTIONS, OPS_USAGE, resolveOps } from './ops-target.ts';

const IMPORT_USAGE = `usage: webdispatcher directory import FILE [--format csv|ndjson] [--ops-url URL --ops-token T | --demo PORT | --sqlite PATH]
  Streams a CSV or NDJSON file of locations (see docs/directory-consistency.md for the columns)
  into the running dispatcher through its operator API, or with --sqlite straight into a SQLite
  directory file (offline, dispatcher stopped). Prints {accepted, rejected, rejectedCount}.
  The format defaults from the file name (.csv → csv, else ndjson).
${OPS_USAGE}  Exit status: 0 every row accepted, 1 some rejected or a failure, 2 usage.
`;

const USAGE = `usage: webdispatcher directory <command> [options]      (directory <command> --help: its options)
  import FILE [--format csv|ndjson] [--ops-url URL --ops-token T | --demo PORT | --sqlite PATH]
                   bulk-load locations through the operator API, or offline into a SQLite file
  reconcile [--fix] [--format table|json] [--last]
                   the directory compared with both systems' customer lists
`;

const SUBCOMMANDS = ['import', 'reconcile'];

/** `webdispatcher directory import|reconcile`. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'reconcile') return (await import('./reconcile-command.ts')).run(rest);
  if (sub !== undefined && sub.startsWith('-') && wantsHelp([sub])) { process.stdout.write(USAGE); return 0; }
  if (sub !== 'import') {
    const hint = sub === undefined ? undefined : closest(sub, SUBCOMMANDS);
    throw new UsageError('directory', sub === undefined ? `a command is required (${SUBCOMMANDS.join(', ')})` : `unknown command ${JSON.stringify(sub)}${hint === undefined ? '' : ` (did you mean ${hint}?)`}; known: ${SUBCOMMANDS.join(', ')}`);
  }
  return runImport(rest);
}

/** `webdispatcher directory import`: exit 0 all rows accepted, 1 some rejected or failure, 2 usage. */
async function runImport(argv: string[]): Promise<number> {
  const cmd = 'directory import';
  const args = parseCommand({ name: cmd, usage: IMPORT_USAGE, maxPositionals: 1, options: { format: { type: 'string' }, sqlite: { type: 'string' }, ...OPS_OPTIONS } }, argv);
  if (args === undefined) return 0;
  const { values, positionals } = args;
  const file = positionals[0];
  if (file === undefined) throw new UsageError(cmd, 'missing FILE');
  const format = (values.format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson')) as ImportFormat;
  if (format !== 'csv' && format !== 'ndjson') throw new UsageError(cmd, `--format ${JSON.stringify(values.format)} is not csv or ndjson`);
  if (values.sqlite !== undefined && (values['ops-url'] ?? values['ops-token'] ?? values.token ?? values.demo) !== undefined) throw new UsageError(cmd, 'give --sqlite PATH or the operator API (--ops-url/--ops-token, --demo), not both');
  // Resolved before the file is read: a wrong address is reported before anything is sent.
  const ops = values.sqlite === undefined ? resolveOps(cmd, values) : undefined;
  try {
    if (!(await stat(file)).isFile()) throw new UsageError(cmd, `${file} is not a file`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(cmd, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }

  if (values.sqlite !== undefined) {
    let directory: SqliteDirectory | undefined;
    try {
      directory = await SqliteDirectory.open({ path: values.sqlite, shared: false });
      const report = await directory.importRecords(parseImport(createReadStream(file), format));
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return report.rejectedCount === 0 ? 0 : 1;
    } catch (err) {
      process.stderr.write(`webdispatcher directory import: ${isApiFault(err) ? err.faultstring : (err as Error).message}\n`);
      return 1;
    } finally {
      await directory?.close();
    }
  }

  const url = new URL('/v1/locations/import', ops!.opsUrl);
  try {
    const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
    const init = { method: 'POST', body, duplex: 'half', headers: { authorization: `Bearer ${ops!.opsToken}`, 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson' } };
    const res = await fetch(url, init as RequestInit);
    const text = await res.text();
    if (!res.ok) {
      process.stderr.write(`webdispatcher directory import: HTTP ${res.status}: ${text}\n`);
      return 1;
    }
    process.stdout.write(`${text}\n`);
    return (JSON.parse(text) as { rejectedCount?: number }).rejectedCount === 0 ? 0 : 1;
  } catch (err) {
    process.stderr.write(`webdispatcher directory import: import through ${url.origin} failed: ${oneLine(err)}\n`);
    return 1;
  }
}
