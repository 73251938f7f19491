/**
 * Bulk import into SQLite: CSV generated on the fly (nothing on disk but the database), streamed
 * through the same parser and batched transactions as `POST /v1/locations/import`.
 *   node --import tsx bench/directory-import.ts [rows=1000000] [path=<tmp>/wd-import.sqlite]
 * Each row: i_customer, system, login, two accounts. Prints rows/s (wall clock), rows per CPU
 * second of this process (less sensitive to other work sharing the cores) and memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SqliteDirectory } from '../src/directory/sqlite-directory.ts';
import { parseImport } from '../src/directory/import-parser.ts';

const rows = Math.min(Number(process.argv[2] ?? 1_000_000), 50_000_000);
const dir = mkdtempSync(join(tmpdir(), 'wd-bench-'));
const path = process.argv[3] ?? join(dir, 'wd-import.sqlite');

function* csv(): Generator<string> {
  yield 'i_customer,system,login,accounts\n';
  const per = 2000;
  for (let start = 1; start <= rows; start += per) {
    let chunk = '';
    for (let i = start; i < start + per && i <= rows; i++) chunk += `${i},${i % 3 === 0 ? 'target' : 'source'},cust-${i},${i * 4 + 1};${i * 4 + 3}\n`;
    yield chunk;
  }
}

const directory = await SqliteDirectory.open({ path, shared: false });
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 250);
const report = await directory.importRecords(parseImport(Readable.from(csv(), { objectMode: true }), 'csv'));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const check = await directory.getCustomer(rows);
await directory.close();
console.log(JSON.stringify({
  bench: 'directory-import', store: 'sqlite', rows, accepted: report.accepted, rejected: report.rejectedCount,
  seconds: Number(seconds.toFixed(1)), rowsPerSecond: Math.round(rows / seconds),
  // CPU time of this process during the import: what the import costs, whatever else shares the cores.
  cpuSeconds: Number(cpuSeconds.toFixed(2)), rowsPerCpuSecond: Math.round(rows / cpuSeconds), peakRssMiB: Math.round(peakRss / 2 ** 20),
  lastRowReadBack: check?.iCustomer === rows,
}));
if (process.argv[3] === undefined) rmSync(dir, { recursive: true, force: true });
