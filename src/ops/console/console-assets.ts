import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The chart library, served from this listener (no CDN: ops networks are often closed). */
const FILES: Record<string, { file: string; type: string }> = {
  '/assets/uPlot.iife.min.js': { file: 'uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  '/assets/uPlot.min.css': { file: 'uPlot.min.css', type: 'text/css; charset=utf-8' },
};

let cache: Map<string, { body: Buffer; type: string }> | undefined;

/** The asset at `path`, read once from the installed `uplot` package; undefined when not one. */
export function consoleAsset(path: string): { body: Buffer; type: string } | undefined {
  if (!Object.hasOwn(FILES, path)) return undefined;
  if (cache === undefined) {
    const dist = join(dirname(createRequire(import.meta.url).resolve('uplot')), '.');
    cache = new Map(Object.entries(FILES).map(([p, f]) => [p, { body: readFileSync(join(dist, f.file)), type: f.type }]));
  }
  return cache.get(path);
}
