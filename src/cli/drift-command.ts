import { differencesOf, driftRows, type DriftReport } from '../consistency/drift-report.ts';
import { oneLine, parseCommand, UsageError } from './command-args.ts';
import { OPS_OPTIONS, OPS_USAGE, resolveOps } from './ops-target.ts';

const USAGE = `usage: webdispatcher drift [--entity product,customer_class,…] [--format table|json] [--last] [--ops-url URL --ops-token T | --demo PORT]
  Compares the configuration entities of the two systems by ID (through the running dispatcher's
  operator API, POST /v1/drift) and prints what is missing on the target, missing on the source,
  or present on both with different fields. --entity limits the types (repeat it or separate
  with commas; default: the configured drift.entities). --last prints the last report instead
  of running one.
${OPS_USAGE}  Exit status: 0 no drift, 1 drift found, 2 could not compare (a type, or the whole run, failed).
`;

function fail(message: string): never {
  throw new UsageError('drift', message);
}

const MAX_CELL = 60;

function cell(v: unknown, present: boolean): string {
  if (!present) return '(absent)';
  const text = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? 'null';
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

/** The report as a table of differences, then one line per type and the verdict. */
export function driftTable(report: DriftReport): string {
  const header = ['ENTITY', 'ID', 'NAME', 'DIFFERENCE', 'FIELD', 'SOURCE', 'TARGET'];
  const rows = driftRows(report).map((r) => [
    r.entity, String(r.id), r.name ?? '', r.difference, r.field ?? '',
    r.difference === 'differs' ? cell(r.source, 'source' in r) : '', r.difference === 'differs' ? cell(r.target, 'target' in r) : '',
  ]);
  const lines: string[] = [];
  if (rows.length > 0) {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    lines.push(fmt(header), ...rows.map(fmt), '');
  }
  for (const e of report.entities) {
    const c = e.counts;
    if (!e.compared) lines.push(`${e.entity}: could not compare: ${e.error ?? 'unknown error'}`);
    else {
      const found = differencesOf(e) === 0 ? 'same' : `${c.missingOnTarget} missing on target, ${c.missingOnSource} missing on source, ${c.differing} differing${e.truncated ? ' (list truncated; counts exact)' : ''}`;
      lines.push(`${e.entity}: ${c.source} on source, ${c.target} on target: ${found}`);
    }
  }
  const t = report.totals;
  const verdict = report.outcome === 'clean' ? 'no drift'
    : report.outcome === 'drift' ? `drift: ${t.missingOnTarget} missing on target, ${t.missingOnSource} missing on source, ${t.differing} differing`
      : `could not compare every type${report.drift ? ` (drift found in the others: ${t.missingOnTarget} missing on target, ${t.missingOnSource} missing on source, ${t.differing} differing)` : ''}`;
  lines.push(`${verdict} (compared ${report.finishedAt}, ${report.durationMs} ms)`);
  return `${lines.join('\n')}\n`;
}

/** `webdispatcher drift`: a thin client of the ops API's `/v1/drift`. */
export async function run(argv: string[]): Promise<number> {
  const args = parseCommand({
    name: 'drift', usage: USAGE,
    options: { entity: { type: 'string', multiple: true }, format: { type: 'string' }, last: { type: 'boolean' }, ...OPS_OPTIONS },
  }, argv);
  if (args === undefined) return 0;
  const { values } = args;
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'json') return fail(`--format must be table or json, got ${JSON.stringify(format)}`);
  const entities = (values.entity ?? []).flatMap((e) => e.split(',')).map((e) => e.trim()).filter((e) => e !== '');
  if (values.last === true && entities.length > 0) return fail('--last prints the last report as it is; it takes no --entity');
  const { opsUrl, opsToken: token } = resolveOps('drift', values);
  let status: number;
  let json: Record<string, unknown>;
  try {
    const res = await fetch(new URL('/v1/drift', opsUrl), {
      method: values.last === true ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      // A comparison pages through every list on both systems: give it time.
      signal: AbortSignal.timeout(600_000),
      ...(values.last === true ? {} : { body: JSON.stringify(entities.length > 0 ? { entities } : {}) }),
    });
    status = res.status;
    const text = await res.text();
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { faultstring: text.slice(0, 300) };
    }
  } catch (err) {
    process.stderr.write(`webdispatcher drift: cannot reach ${opsUrl}: ${oneLine(err)}\n`);
    return 2;
  }
  if (status !== 200) {
    process.stderr.write(`webdispatcher drift: HTTP ${status}: ${String(json.faultstring ?? JSON.stringify(json))}\n`);
    return 2;
  }
  const report = json.report as DriftReport | null | undefined;
  if (report === null || report === undefined) {
    process.stderr.write('webdispatcher drift: no drift report yet (run `webdispatcher drift` without --last)\n');
    return 2;
  }
  process.stdout.write(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : driftTable(report));
  return report.outcome === 'clean' ? 0 : report.outcome === 'drift' ? 1 : 2;
}
