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

interface Profile { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[] }

function shortUrl(url: string, root: string): string {
  return url.replace(`file://${root}/`, '').replace(/^file:\/\/.*\/node_modules\//, 'node_modules/').replace(/^node:/, 'node:');
}

/**
 * Hit counts per node over the load window only: from the first to the last sample whose stack
 * holds a frame of `marker` (the request handler), so start-up (module loading, compilation) and
 * shutdown do not pollute a steady-state profile. Falls back to the whole profile.
 */
function windowedHits(profile: Profile, parent: Map<number, number>, byId: Map<number, ProfileNode>, marker: string): Map<number, number> {
  const hits = new Map<number, number>();
  const samples = profile.samples;
  if (samples === undefined || samples.length === 0) {
    for (const n of profile.nodes) if ((n.hitCount ?? 0) > 0) hits.set(n.id, n.hitCount ?? 0);
    return hits;
  }
  const inHandler = new Map<number, boolean>();
  const handles = (id: number): boolean => {
    const known = inHandler.get(id);
    if (known !== undefined) return known;
    const chain: number[] = [];
    let result = false;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = inHandler.get(cur);
      if (k !== undefined) { result = k; break; }
      chain.push(cur);
      if (byId.get(cur)?.callFrame.url.includes(marker)) { result = true; break; }
    }
    for (const c of chain) inHandler.set(c, result);
    return result;
  };
  let first = -1;
  let last = -1;
  for (let i = 0; i < samples.length; i++) {
    if (handles(samples[i]!)) { if (first < 0) first = i; last = i; }
  }
  // No handler frame at all: another thread of the process (e.g. the module-loader hooks thread).
  if (first < 0) return hits;
  for (let i = first; i <= last; i++) hits.set(samples[i]!, (hits.get(samples[i]!) ?? 0) + 1);
  return hits;
}

/**
 * Over every profile in `dir`, percentages of the *busy* samples of the load window (idle,
 * start-up and shutdown left out): top functions by self time, top files by self time, and the
 * project's own functions (src/) by inclusive time — which stage of the request costs what.
 */
export function summariseProfiles(dir: string, root: string, limit = 20, marker = '/src/edge/'): string[] {
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  // One file per thread; only the threads that served requests contribute (see windowedHits).
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
    const windowHits = windowedHits(profile, parent, byId, marker);
    for (const node of profile.nodes) {
      const hits = windowHits.get(node.id) ?? 0;
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
    `${busy} busy samples in the load window (${idle} idle/program samples left out; start-up and shutdown excluded); percentages of busy time`,
    '', 'self time by function:', ...top(byFunction, limit),
    '', 'self time by file:', ...top(byFile, limit),
    '', 'inclusive time of src/ functions:', ...top(inclusive, limit),
  ];
}
