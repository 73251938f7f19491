/**
 * Writes the "Proxy benchmarks" section of bench/RESULTS.md (between its markers), leaving the
 * header and every other section — written by other benchmarks — untouched.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { MachineInfo } from './tools.ts';
import type { Spread } from './stats.ts';

export const BEGIN = '<!-- proxy-benchmarks:begin (written by bench/run.ts; edits inside are overwritten) -->';
export const END = '<!-- proxy-benchmarks:end -->';

const HEADER = `# Benchmark results

Run with \`npm run bench\` (full, < 10 min) or \`npm run bench -- --quick\` (≤ 60 s subset, written to
\`bench/results/quick.md\` unless \`--write\` is given). Absolute numbers depend on the machine and on
whatever else runs on it; the **ratios to nginx and to direct from the same run** are the headline.
Each section below is written by its own benchmark and says which command produced it.
`;

/** One contender's figures in one scenario. */
export interface ContenderRow {
  contender: string;
  rps?: Spread;
  wrkErrors?: number;
  /** CPU time of the contender's process tree per request during the wrk runs, µs. */
  cpuUsPerRequest?: Spread;
  /** Open-loop latency (from scheduled send time) per rate. */
  openLoop?: { rate: number; p50: Spread; p99: Spread; p999: Spread; serviceP50: Spread; serviceP99: Spread; errors: number; achieved: Spread }[];
  note?: string;
}

/** One scenario's table and its context. */
export interface ScenarioReport {
  id: string;
  title: string;
  backend: string;
  rows: ContenderRow[];
  /** Free text lines under the table (targets met or not, caveats). */
  notes: string[];
  /** Extra markdown (a scenario with its own table shape, e.g. S6). */
  markdown?: string[];
}

/** Everything one harness run produced. */
export interface RunReport {
  machine: MachineInfo;
  mode: 'full' | 'quick';
  settings: string[];
  commands: string[];
  scenarios: ScenarioReport[];
  skipped: string[];
  profile?: string[];
  loadAtEnd?: number;
  /** Targets of issue 6, met or not (bench/headline.ts). */
  headline?: string[];
}

function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function spreadCell(s: Spread | undefined, digits: number): string {
  if (s === undefined || s.n === 0) return '–';
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

function ratio(a: Spread | undefined, b: Spread | undefined): string {
  if (a === undefined || b === undefined || a.n === 0 || b.n === 0 || b.median === 0) return '–';
  return `${(a.median / b.median).toFixed(2)}×`;
}

function scenarioMarkdown(s: ScenarioReport): string {
  const lines: string[] = [`### ${s.id} — ${s.title}`, '', `Backend: ${s.backend}.`, ''];
  const direct = s.rows.find((r) => r.contender === 'direct');
  const nginx = s.rows.find((r) => r.contender === 'nginx-proxy') ?? s.rows.find((r) => r.contender.startsWith('nginx'));
  if (s.rows.some((r) => r.rps !== undefined)) {
    lines.push(`Closed-loop throughput (wrk), req/s, median (min–max):`, '');
    lines.push('| contender | req/s | vs direct | vs nginx-proxy | contender CPU µs/request | errors |', '|---|---:|---:|---:|---:|---:|');
    for (const r of s.rows) {
      if (r.rps === undefined) continue;
      lines.push(`| ${r.contender} | ${spreadCell(r.rps, 0)} | ${ratio(r.rps, direct?.rps)} | ${ratio(r.rps, nginx?.rps)} | ${spreadCell(r.cpuUsPerRequest, 0)} | ${r.wrkErrors ?? 0} |`);
    }
    lines.push('');
  }
  const rates = [...new Set(s.rows.flatMap((r) => (r.openLoop ?? []).map((o) => o.rate)))].sort((a, b) => a - b);
  for (const rate of rates) {
    const base = direct?.openLoop?.find((o) => o.rate === rate);
    // The second baseline of a merge: both systems called directly at the same instant.
    const both = s.rows.find((r) => r.contender === 'direct-both')?.openLoop?.find((o) => o.rate === rate);
    lines.push(`Open-loop latency at ${fmt(rate)} req/s, ms, median (min–max) of runs. p50/p99/p99.9 from the scheduled send time; service = from the actual send:`, '');
    lines.push(`| contender | p50 | p99 | p99.9 | service p50 | service p99 | added service p50 vs direct | added p99 vs direct |${both ? ' added service p50 vs direct-both |' : ''} achieved req/s | errors |`, `|---|---:|---:|---:|---:|---:|---:|---:|${both ? '---:|' : ''}---:|---:|`);
    for (const r of s.rows) {
      const o = r.openLoop?.find((x) => x.rate === rate);
      if (o === undefined) continue;
      const add50 = base && r.contender !== 'direct' ? fmt(o.serviceP50.median - base.serviceP50.median, 3) : '–';
      const add99 = base && r.contender !== 'direct' ? fmt(o.p99.median - base.p99.median, 3) : '–';
      const addBoth = both === undefined ? '' : ` ${r.contender.startsWith('direct') ? '–' : fmt(o.serviceP50.median - both.serviceP50.median, 3)} |`;
      lines.push(`| ${r.contender} | ${spreadCell(o.p50, 3)} | ${spreadCell(o.p99, 3)} | ${spreadCell(o.p999, 3)} | ${spreadCell(o.serviceP50, 3)} | ${spreadCell(o.serviceP99, 3)} | ${add50} | ${add99} |${addBoth} ${fmt(o.achieved.median)} | ${o.errors} |`);
    }
    lines.push('');
  }
  if (s.markdown !== undefined) lines.push(...s.markdown, '');
  for (const r of s.rows) if (r.note !== undefined) lines.push(`- ${r.contender}: ${r.note}`);
  for (const n of s.notes) lines.push(`- ${n}`);
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Renders the whole "Proxy benchmarks" section (markers included). */
export function renderSection(report: RunReport): string {
  const m = report.machine;
  const out: string[] = [BEGIN, '## Proxy benchmarks', ''];
  out.push(`Run: ${m.date} (${report.mode} mode), commit \`${m.commit}\`, ${m.cpuModel}, ${m.cores} cores, Node ${m.node}, nginx ${m.nginx}, ${m.wrk}, ${m.os}; 1-min load average ${m.loadAverage.toFixed(2)} at the start${report.loadAtEnd !== undefined ? ` and ${report.loadAtEnd.toFixed(2)} at the end` : ''} (other work on this machine shares the cores).`, '');
  if (report.headline !== undefined && report.headline.length > 0) {
    out.push('Headline (ratios and differences from this run; targets from issue 6):', '');
    for (const h of report.headline) out.push(`- ${h}`);
    out.push('');
  }
  out.push('How it is measured:', '');
  for (const s of report.settings) out.push(`- ${s}`);
  out.push('');
  for (const s of report.scenarios) out.push(scenarioMarkdown(s));
  if (report.skipped.length > 0) {
    out.push('Not measured in this run:', '');
    for (const s of report.skipped) out.push(`- ${s}`);
    out.push('');
  }
  if (report.profile !== undefined && report.profile.length > 0) {
    out.push('CPU profile of the dispatcher (S1, `--cpu-prof`), top self-time functions:', '', '```');
    out.push(...report.profile, '```', '');
  }
  out.push('Commands of this run:', '', '```');
  out.push(...[...new Set(report.commands)], '```', END);
  return `${out.join('\n')}\n`;
}

/** Replaces (or appends) the proxy section of `path`, creating the file with its header if needed. */
export function writeResults(path: string, report: RunReport): void {
  const section = renderSection(report);
  let text = existsSync(path) ? readFileSync(path, 'utf8') : HEADER;
  const begin = text.indexOf('<!-- proxy-benchmarks:begin');
  const end = text.indexOf(END);
  if (begin >= 0 && end > begin) {
    text = text.slice(0, begin) + section.trimEnd() + text.slice(end + END.length);
  } else {
    text = `${text.trimEnd()}\n\n${section}`;
  }
  writeFileSync(path, text.endsWith('\n') ? text : `${text}\n`);
}

/** A standalone page (quick runs): the header plus the section. */
export function writeStandalone(path: string, report: RunReport): void {
  writeFileSync(path, `${HEADER}\n${renderSection(report)}`);
}
