/**
 * S1 through HAProxy to 1, 2 and 3 dispatcher nodes, next to HAProxy to one simulator directly,
 * on the namespace cluster of scripts/cluster/ (root, iproute2, haproxy, redis-server,
 * PostgreSQL, wrk). Closed loop with wrk from the harness's namespace; the configurations are
 * interleaved round by round; the node count is set with HAProxy's admin socket (`disable
 * server`), so the same processes serve every row.
 *
 *   node --import tsx bench/cluster.ts [--rounds 3] [--seconds 10] [--connections 32]
 *
 * Prints a markdown table (median and range over the rounds) and one JSON line.
 */
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, clusterPrerequisites } from '../scripts/cluster/cluster.ts';
import { LabProcess } from '../scripts/cluster/lab-process.ts';
import { runWrk, type WrkResult } from './wrk.ts';
import { machineInfo } from './tools.ts';
import { rotated, spread, type Spread } from './stats.ts';
import type { RequestSpec } from './request-spec.ts';
import { DEMO_ADMIN } from '../src/sim/demo-fixtures.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' } }, strict: true });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const missing = clusterPrerequisites();
if (missing !== undefined) {
  console.error(`bench/cluster.ts: cannot run here: ${missing}`);
  process.exit(1);
}

/** 16 source customers (odd ids), like S1-sim: every row reaches the same simulator. */
const IDS = Array.from({ length: 16 }, (_, i) => 101 + 2 * i);
const s1 = (token: string): RequestSpec[] => IDS.map((id) => ({
  path: '/rest/Customer/get_customer_info',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: JSON.stringify({ params: { i_customer: id } }),
}));

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/rest/Session/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } }) });
  const json = (await res.json()) as { access_token?: string };
  if (typeof json.access_token !== 'string') throw new Error(`login at ${url}: ${JSON.stringify(json)}`);
  return json.access_token;
}

const machine = machineInfo();
const cluster = await Cluster.start({ customers: 2000, logLevel: 'warn' });
try {
  const lb = cluster.lb!;
  // A second HAProxy beside the first, same defaults, one listener straight to the source simulator.
  const directCfg = join(cluster.dir, 'haproxy-direct.cfg');
  const sim = new URL(cluster.source.urls.admin!);
  writeFileSync(directCfg, [
    'global', '    maxconn 8000',
    'defaults', '    mode http', '    timeout connect 2s', '    timeout client 65s', '    timeout server 130s', '    timeout http-keep-alive 10s',
    'listen direct', `    bind ${cluster.publicAddress}:9001`, `    server sim ${sim.hostname}:${sim.port}`, '',
  ].join('\n'));
  const direct = LabProcess.start('haproxy-direct', cluster.lab.ns('lb'), 'haproxy', ['-db', '-f', directCfg]);
  await sleep(500);
  if (!direct.running) throw new Error(`haproxy (direct) did not start: ${direct.output()}`);

  const dispatcherToken = await login(cluster.publicUrls.admin);
  const simToken = await login(cluster.source.urls.admin!);
  const setNodes = async (n: number) => {
    for (const [i, node] of cluster.nodes.entries()) await lb.command(`${i < n ? 'enable' : 'disable'} server admin/${node.name}`);
    await sleep(500);
  };
  const rows: Array<{ name: string; run: () => Promise<WrkResult> }> = [
    { name: 'HAProxy → simulator (no dispatcher)', run: () => runWrk({ url: `http://${cluster.publicAddress}:9001`, requests: s1(simToken), durationS: seconds, connections }) },
    ...[1, 2, 3].map((n) => ({
      name: `HAProxy → ${n} node${n > 1 ? 's' : ''}`,
      run: async () => { await setNodes(n); return runWrk({ url: cluster.publicUrls.admin, requests: s1(dispatcherToken), durationS: seconds, connections }); },
    })),
  ];
  const results = new Map<string, WrkResult[]>();
  for (let r = 0; r < rounds; r++) {
    for (const row of rotated(rows, r)) {
      const res = await row.run();
      results.set(row.name, [...(results.get(row.name) ?? []), res]);
      console.error(`round ${r + 1} ${row.name}: ${Math.round(res.rps)} req/s, p99 ${res.latencyMs.p99.toFixed(1)} ms, errors ${res.errors}`);
    }
  }
  await setNodes(3);
  await direct.stop('SIGTERM');
  const fmt = (s: Spread, d = 0) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;
  const table = ['| path | req/s, median (range) | p50 ms | p99 ms | errors |', '|---|---:|---:|---:|---:|'];
  const json: Record<string, unknown> = {};
  for (const row of rows) {
    const rs = results.get(row.name) ?? [];
    const rps = spread(rs.map((x) => x.rps));
    const p50 = spread(rs.map((x) => x.latencyMs.p50));
    const p99 = spread(rs.map((x) => x.latencyMs.p99));
    const errors = rs.reduce((a, x) => a + x.errors, 0);
    table.push(`| ${row.name} | **${fmt(rps)}** | ${fmt(p50, 1)} | ${fmt(p99, 1)} | ${errors} |`);
    json[row.name] = { rps, p50, p99, errors };
  }
  console.log(`Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.node}, load ${machine.loadAverage.toFixed(1)} at start, ${(loadavg()[0] ?? NaN).toFixed(1)} at end; commit ${machine.commit}; ${machine.date}`);
  console.log(`wrk: ${rounds} rounds × ${seconds} s, ${connections} connections, 1 thread; command: ${results.get(rows[1]!.name)?.[0]?.command ?? ''}`);
  console.log(table.join('\n'));
  console.log(JSON.stringify({ machine, rounds, seconds, connections, results: json }));
} finally {
  await cluster.close();
}
