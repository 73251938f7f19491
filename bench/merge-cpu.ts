/**
 * CPU time per list merge inside one process (no HTTP, no other process on the cores): the merge
 * as it was before the scanner (JSON.parse of both replies, JSON.stringify of the merged object,
 * the string encoded once for the socket) against the merge now (scan both replies, splice the
 * rows' bytes as pieces: views of the replies, sent with one gather write, no row copied), on the
 * simulators' own get_customer_list replies, in interleaved rounds. Also times the pieces (parse,
 * scan) so the S2 latency can be read.
 *
 *   node --import tsx bench/merge-cpu.ts [--rows 100,1000] [--rounds 7] [--ms 300]
 */
import { parseArgs } from 'node:util';
import { createSimulator } from '../src/sim/simulator.ts';
import type { JsonObject, JsonValue, SystemName } from '../src/core/api-call.ts';
import { mergeRowPieces, parsedSystemList, readSystemList, type MergeRowsOptions } from '../src/execution/merge-rows.ts';
import { scanListReply } from '../src/execution/merge-scan.ts';
import { restLogin } from './backends.ts';
import { rotated } from './stats.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100,1000' }, rounds: { type: 'string', default: '7' }, ms: { type: 'string', default: '300' } } });

type Row = { [key: string]: JsonValue };

/** The merge of a455793 (per-system paging, no duplicates to resolve), reply text encoded as the socket write did. */
function mergeBefore(texts: readonly string[]): Buffer {
  const jsons = texts.map((t) => JSON.parse(t) as JsonObject);
  const key = Object.keys(jsons[0]!).find((k) => k.endsWith('_list') && Array.isArray(jsons[0]![k])) ?? 'customer_list';
  const seen = new Map<number, SystemName[]>();
  const merged: Row[] = [];
  let dropped = 0;
  jsons.forEach((json, i) => {
    for (const row of (Array.isArray(json[key]) ? json[key] : []) as Row[]) {
      if (typeof row !== 'object' || row === null) continue;
      if (row.migration_status === 'moved') {
        dropped++;
        continue;
      }
      const id = row.i_customer;
      if (typeof id === 'number') seen.set(id, [...(seen.get(id) ?? []), i === 0 ? 'source' : 'target']);
      merged.push(row);
    }
  });
  const totals = jsons.map((j) => j.total).filter((t): t is number => typeof t === 'number');
  const result: JsonObject = { [key]: merged };
  if (totals.length > 0) result.total = Math.max(0, totals.reduce((a, b) => a + b, 0) - dropped);
  return Buffer.from(JSON.stringify(result));
}

const OPTIONS: MergeRowsOptions = { idField: 'i_customer', defaultKey: 'customer_list', paging: 'per-system', limit: undefined, offset: 0, ownerOf: async (_id, where) => where[0]! };

/** CPU µs per call of `fn` (user + system), calling it for about `ms` of CPU. */
async function cpuPerCall(fn: () => unknown, ms: number): Promise<number> {
  let n = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < ms * 1000) {
    for (let k = 0; k < 5; k++) await fn();
    n += 5;
    const u = process.cpuUsage(start);
    used = u.user + u.system;
  }
  return used / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function listReplies(rows: number): Promise<Buffer[]> {
  const sims = await Promise.all((['source', 'target'] as const).map((role, i) => createSimulator({ role, env: i === 0 ? 3 : 8, customers: 2000, seed: 1 })));
  try {
    return await Promise.all(sims.map(async (sim) => {
      const auth = await restLogin(sim.urls.admin, 'admin', 'demo-admin');
      const res = await fetch(`${sim.urls.admin}/rest/Customer/get_customer_list`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.accessToken}` },
        body: JSON.stringify({ params: { limit: rows, offset: 0, get_total: 1, skip_exported: 1 } }),
      });
      if (res.status !== 200) throw new Error(`get_customer_list: HTTP ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    }));
  } finally {
    await Promise.all(sims.map((s) => s.close()));
  }
}

const rounds = Number(values.rounds);
const ms = Number(values.ms);
console.log(`node ${process.version}; ${rounds} interleaved rounds of ~${ms} ms CPU per contender; CPU µs per merge of two replies, median (min–max)`);
for (const rows of values.rows.split(',').map(Number)) {
  const bufs = await listReplies(rows);
  const texts = bufs.map((b) => b.toString('utf8'));
  const before = mergeBefore(texts);
  const after = Buffer.concat(await mergeRowPieces(bufs.map((b, i) => readSystemList(i === 0 ? 'source' : 'target', b, 'i_customer')), OPTIONS));
  if (JSON.stringify(JSON.parse(before.toString())) !== JSON.stringify(JSON.parse(after.toString()))) throw new Error('the two merges disagree');
  const contenders: Record<string, () => unknown> = {
    'before: toString + JSON.parse ×2, JSON.stringify, encode': () => mergeBefore(bufs.map((b) => b.toString('utf8'))),
    'now: scan ×2 + splice as pieces (mergeRowPieces)': () => mergeRowPieces(bufs.map((b, i) => readSystemList(i === 0 ? 'source' : 'target', b, 'i_customer')), OPTIONS),
    'now, parsed fallback (scanner unsure of both)': () => mergeRowPieces(bufs.map((b, i) => parsedSystemList(i === 0 ? 'source' : 'target', b.toString('utf8'))), OPTIONS),
    'piece: JSON.parse ×2': () => texts.map((t) => JSON.parse(t) as unknown),
    'piece: scan ×2': () => bufs.map((b) => scanListReply(b, 'i_customer')),
  };
  const results = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    const names = Object.keys(contenders);
    for (const name of rotated(names, round)) {
      results.set(name, [...(results.get(name) ?? []), await cpuPerCall(contenders[name]!, ms)]);
    }
  }
  console.log(`\n${rows} rows per system (replies ${bufs.map((b) => `${(b.length / 1024).toFixed(0)} KiB`).join(' + ')}, merged ${(after.length / 1024).toFixed(0)} KiB):`);
  for (const [name, xs] of results) console.log(`  ${name.padEnd(56)} ${median(xs).toFixed(0).padStart(6)} µs (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`);
}
