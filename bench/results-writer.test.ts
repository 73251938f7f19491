import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderSection, writeResults } from './results-writer.ts';
import type { RunReport } from './results-writer.ts';

function report(rps: number): RunReport {
  return {
    machine: { date: '2026-01-01T00:00:00Z', commit: 'abc1234', cpuModel: 'CPU', cores: 2, node: 'v20', nginx: '1.22', wrk: 'wrk 4', os: 'Linux', loadAverage: 0.5 },
    mode: 'full',
    settings: ['a setting'],
    commands: ['npm run bench'],
    scenarios: [{
      id: 'S1-json', title: 'routed call', backend: 'canned', notes: [],
      rows: [
        { contender: 'direct', rps: { median: rps * 2, min: rps * 2, max: rps * 2, n: 3 } },
        { contender: 'nginx-proxy', rps: { median: rps, min: rps, max: rps, n: 3 } },
      ],
    }],
    skipped: [],
  };
}

test('rewriting the proxy section keeps the header and the sections other benchmarks wrote', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wd-results-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'RESULTS.md');
  writeResults(file, report(1000));
  writeFileSync(file, `${readFileSync(file, 'utf8')}\n## Directory benchmarks\n\nkept by someone else\n`);
  writeResults(file, report(3000));
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^# Benchmark results/);
  assert.match(text, /## Directory benchmarks\n\nkept by someone else/);
  assert.equal(text.split('## Proxy benchmarks').length, 2, 'exactly one proxy section');
  assert.match(text, /\| nginx-proxy \| 3,000 \(3,000–3,000\) \| 0\.50× \| 1\.00× \|/);
  assert.doesNotMatch(text, /1,000 \(1,000/);
});

test('a merge scenario with direct-both gets the added latency over that second baseline, next to the issue\'s', () => {
  const ol = (p50: number) => {
    const s = { median: p50, min: p50, max: p50, n: 3 };
    return [{ rate: 10, p50: s, p99: s, p999: s, serviceP50: s, serviceP99: s, errors: 0, achieved: { median: 10, min: 10, max: 10, n: 3 } }];
  };
  const r = report(1000);
  r.scenarios = [{
    id: 'S2-merge-1000', title: 'merge', backend: 'sims', notes: [],
    rows: [{ contender: 'direct', openLoop: ol(10) }, { contender: 'direct-both', openLoop: ol(13) }, { contender: 'dispatcher-1w', openLoop: ol(20) }],
  }];
  const text = renderSection(r);
  assert.match(text, /\| added service p50 vs direct \| added p99 vs direct \| added service p50 vs direct-both \|/);
  assert.match(text, /\| dispatcher-1w (\| [^|]+){5}\| 10\.000 \| 10\.000 \| 7\.000 \| 10 \| 0 \|/);
  assert.match(text, /\| direct-both (\| [^|]+){5}\| 3\.000 \| 3\.000 \| – \| 10 \| 0 \|/);
});
