import { FINDING_KINDS, findingsTotal, type ReconcileReport } from '../consistency/reconcile-report.ts';
import { oneLine, parseCommand, UsageError } from './command-args.ts';
import { OPS_OPTIONS, OPS_USAGE, resolveOps } from './ops-target.ts';

const USAGE = `usage: webdispatcher directory reconcile [--fix] [--format table|json] [--last] [--ops-url URL --ops-token T | --demo PORT]
  Pages through both systems' customer lists (skip_exported; moved copies left out) and compares
  them with the location directory (through the running dispatcher's POST /v1/directory/reconcile):
  entries placing a customer on a system that does not hold it active (misplaced, or absent from
  both), customers with no entry active where ID parity would not send them (unlisted), customers
  active on both. --fix points each misplaced or unlisted entry at the system holding the customer
  (never one in a cutover or a campaign). --last prints the last report.
${OPS_USAGE}  Exit status: 0 clean, 1 findings (fixed or not), 2 could not compare.
`;

function fail(message: string): never {
  throw new UsageError('directory reconcile', message);
}

/** The report as one line per finding (and fix), then the counts and the verdict. */
export function reconcileTable(r: ReconcileReport): string {
  const lines: string[] = [];
  const rows: string[][] = [];
  for (const k of FINDING_KINDS) for (const f of r.findings[k].ids) rows.push([k, String(f.iCustomer), f.directory ?? '(none)', f.activeOn.join(',') || '(neither)']);
  if (rows.length > 0) {
    const header = ['FINDING', 'I_CUSTOMER', 'DIRECTORY', 'ACTIVE ON'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
    const fmt = (x: string[]) => x.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    lines.push(fmt(header), ...rows.map(fmt), '');
  }
  for (const e of r.fixed.entries) lines.push(`fixed ${e.iCustomer}: ${e.from ?? '(no entry)'} → ${e.to} (${e.kind})`);
  for (const e of r.notFixed.entries) lines.push(`not fixed ${e.iCustomer} (${e.kind}): ${e.reason}`);
  if (r.fixed.entries.length + r.notFixed.entries.length > 0) lines.push('');
  const c = r.counts;
  lines.push(`${c.source} active on source, ${c.target} active on target, ${c.directory} directory entries (${c.moving} in a cutover, left out)`);
  if (r.outcome === 'incomplete') lines.push(`could not compare: ${r.error ?? 'unknown error'}`);
  const counts = FINDING_KINDS.map((k) => `${r.findings[k].count} ${k}`).join(', ');
  lines.push(`${r.outcome === 'clean' ? 'clean' : r.outcome === 'found' ? `found ${findingsTotal(r)}: ${counts}` : `incomplete (${counts} before it stopped)`}${r.fix ? `; fixed ${r.fixed.count}, not fixed ${r.notFixed.count}` : ''}${r.truncated ? ' (lists truncated; counts exact)' : ''} (${r.finishedAt}, ${r.durationMs} ms)`);
  return `${lines.join('\n')}\n`;
}

/** `webdispatcher directory reconcile`: a thin client of the ops API's `/v1/directory/reconcile`. */
export async function run(argv: string[]): Promise<number> {
  const args = parseCommand({
    name: 'directory reconcile', usage: USAGE,
    options: { fix: { type: 'boolean' }, format: { type: 'string' }, last: { type: 'boolean' }, ...OPS_OPTIONS },
  }, argv);
  if (args === undefined) return 0;
  const { values } = args;
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'json') return fail(`--format must be table or json, got ${JSON.stringify(format)}`);
  if (values.last === true && values.fix === true) return fail('--last prints the last report; it cannot --fix');
  const { opsUrl, opsToken: token } = resolveOps('directory reconcile', values);
  let status: number;
  let json: Record<string, unknown>;
  try {
    const res = await fetch(new URL('/v1/directory/reconcile', opsUrl), {
      method: values.last === true ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      // A reconcile pages through every customer of both systems: give it time.
      signal: AbortSignal.timeout(3_600_000),
      ...(values.last === true ? {} : { body: JSON.stringify({ fix: values.fix === true }) }),
    });
    status = res.status;
    const text = await res.text();
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { faultstring: text.slice(0, 300) };
    }
  } catch (err) {
    process.stderr.write(`webdispatcher directory reconcile: cannot reach ${opsUrl}: ${oneLine(err)}\n`);
    return 2;
  }
  if (status !== 200) {
    process.stderr.write(`webdispatcher directory reconcile: HTTP ${status}: ${String(json.faultstring ?? JSON.stringify(json))}\n`);
    return 2;
  }
  const report = json.report as ReconcileReport | null | undefined;
  if (report === null || report === undefined) {
    process.stderr.write('webdispatcher directory reconcile: no report yet (run it without --last)\n');
    return 2;
  }
  process.stdout.write(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : reconcileTable(report));
  return report.outcome === 'clean' ? 0 : report.outcome === 'found' ? 1 : 2;
}
