/**
 * Reads V8 `.cpuprofile` files (from `node --cpu-prof`) and lists where the time went, by
 * function (self time) and by source file, as plain text lines for the results and the report.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile { nodes: ProfileNode[]; samples?: number[] }

function shortUrl(url: string, root: string): string {
  return url.replace(`file://${root}/`, '').replace(/^file:\/\/.*\/node_modules\//, 'node_modules/').replace(/^node:/, 'node:');
}

/** Top `limit` functions by self samples, and top files, over every profile in `dir`. */
export function summariseProfiles(dir: string, root: string, limit = 20): string[] {
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Profile;
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      if (hits === 0) continue;
      total += hits;
      const { functionName, url, lineNumber } = node.callFrame;
      const file = url === '' ? `(${functionName || 'native'})` : shortUrl(url, root);
      const key = `${functionName || '(anonymous)'}  ${file}${url === '' ? '' : `:${lineNumber + 1}`}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
      byFile.set(file, (byFile.get(file) ?? 0) + hits);
    }
  }
  if (total === 0) return ['(no samples)'];
  const pct = (n: number): string => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
  const top = (m: Map<string, number>): string[] => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k, v]) => `${pct(v)}  ${k}`);
  return [`self time by function (${total} samples):`, ...top(byFunction), '', 'self time by file:', ...top(byFile)];
}
