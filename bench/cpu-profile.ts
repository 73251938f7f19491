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
  children?: number[];
}

const NOT_WORK = new Set(['(idle)', '(program)', '(root)']);

interface Profile { nodes: ProfileNode[]; samples?: number[] }

function shortUrl(url: string, root: string): string {
  return url.replace(`file://${root}/`, '').replace(/^file:\/\/.*\/node_modules\//, 'node_modules/').replace(/^node:/, 'node:');
}

/**
 * Over every profile in `dir`, percentages of the *busy* samples (idle and start-up-free time
 * excluded): top functions by self time, top files by self time, and the project's own functions
 * (src/) by inclusive time — which stage of the request costs what.
 */
export function summariseProfiles(dir: string, root: string, limit = 20): string[] {
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Profile;
    const parent = new Map<number, number>();
    const byId = new Map<number, ProfileNode>();
    for (const node of profile.nodes) {
      byId.set(node.id, node);
      for (const c of node.children ?? []) parent.set(c, node.id);
    }
    const keyOf = (node: ProfileNode): { key: string; file: string } => {
      const { functionName, url, lineNumber } = node.callFrame;
      const file = url === '' ? `(${functionName || 'native'})` : shortUrl(url, root);
      return { key: `${functionName || '(anonymous)'}  ${file}${url === '' ? '' : `:${lineNumber + 1}`}`, file };
    };
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      if (hits === 0) continue;
      if (NOT_WORK.has(node.callFrame.functionName)) { idle += hits; continue; }
      busy += hits;
      const { key, file } = keyOf(node);
      byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
      byFile.set(file, (byFile.get(file) ?? 0) + hits);
      // Inclusive time of project functions: every src/ frame on this sample's stack, once each.
      const seen = new Set<string>();
      for (let id: number | undefined = node.id, depth = 0; id !== undefined && depth < 500; id = parent.get(id), depth++) {
        const n = byId.get(id);
        if (n === undefined) break;
        const k = keyOf(n);
        if (!k.file.startsWith('src/') || seen.has(k.key)) continue;
        seen.add(k.key);
        inclusive.set(k.key, (inclusive.get(k.key) ?? 0) + hits);
      }
    }
  }
  if (busy === 0) return ['(no samples)'];
  const pct = (n: number): string => `${((100 * n) / busy).toFixed(1).padStart(5)}%`;
  const top = (m: Map<string, number>, n: number): string[] => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${pct(v)}  ${k}`);
  return [
    `${busy} busy samples (${idle} idle/program samples left out); percentages of busy time`,
    '', 'self time by function:', ...top(byFunction, limit),
    '', 'self time by file:', ...top(byFile, limit),
    '', 'inclusive time of src/ functions:', ...top(inclusive, limit),
  ];
}
