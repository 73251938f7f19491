import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { importsOf, readEdges, type ImportEdge } from '../helpers/import-graph.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * What each folder under src/ may import besides itself. Data flows one way (client → edge →
 * router → pipeline → backends); `core` is the floor every folder stands on and imports nothing;
 * the simulator is a peer of the dispatcher, sharing only `core`. Test files may also reach the
 * test helpers.
 */
export const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  config: ['core'],
  http: ['core'],
  soap: ['core'],
  sessions: ['core'],
  directory: ['core'],
  routing: ['core'],
  backends: ['core', 'config', 'http', 'sessions'],
  execution: ['core', 'config', 'routing', 'backends', 'sessions', 'directory'],
  migration: ['core', 'config', 'routing', 'backends', 'sessions', 'directory', 'execution'],
  // The console's watchers: they read the backends and the directory, and feed the ops console.
  monitoring: ['core', 'config', 'backends', 'directory'],
  consistency: ['core', 'config', 'routing', 'backends', 'sessions', 'directory', 'execution'],
  edge: ['core', 'config', 'http', 'soap', 'execution', 'backends'],
  portal: ['core', 'config', 'backends', 'execution', 'edge'],
  provisioning: ['core', 'config', 'portal', 'edge'],
  ops: ['core', 'config', 'backends', 'sessions', 'directory', 'execution', 'migration', 'consistency', 'monitoring', 'edge', 'routing'],
  app: ['core', 'config', 'http', 'soap', 'sessions', 'directory', 'routing', 'backends', 'execution', 'migration', 'consistency', 'monitoring', 'edge', 'portal', 'provisioning', 'ops', 'sim'],
  cli: ['core', 'config', 'directory', 'app', 'sim', 'migration', 'consistency', 'backends'],
  sim: ['core'],
};

export function violations(edges: ImportEdge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    // A test may reach whatever it puts together (a codec test checks what the router makes of
    // its output); the layering is about what ships.
    if (/\.(test|suite)\.ts$/.test(e.file)) continue;
    const allowed = ALLOWED[e.from];
    if (allowed === undefined) out.push(`${e.file}: src/${e.from}/ has no import rule; add one to ALLOWED`);
    else if (!allowed.includes(e.to)) out.push(`${e.file} imports ${e.spec}: src/${e.from}/ may import only ${allowed.length === 0 ? 'nothing of the project' : allowed.join(', ')}`);
  }
  return out;
}

test('every import in src/ follows the layering rules', () => {
  const edges = readEdges(ROOT);
  assert.ok(edges.length > 50, `the import graph was read (${edges.length} edges across folders)`);
  assert.deepEqual(violations(edges), []);
});

test('a forbidden import is reported with the file and the rule it breaks', () => {
  const router = importsOf('src/routing/router.ts', "import { x } from '../edge/api-handler.ts';\nimport type { y } from '../core/api-call.ts';");
  assert.deepEqual(violations(router), ['src/routing/router.ts imports ../edge/api-handler.ts: src/routing/ may import only core']);
  const core = importsOf('src/core/faults.ts', "export { z } from '../ops/dashboard.ts';\nconst m = await import('../directory/resolver.ts');");
  assert.equal(violations(core).length, 2);
  assert.match(violations(importsOf('src/sim/api/x.ts', "import { a } from '../../directory/resolver.ts';"))[0]!, /src\/sim\/ may import only core$/);
});

test('a new folder under src/ needs its own rule', () => {
  assert.deepEqual(violations(importsOf('src/newthing/a.ts', "import { a } from '../core/api-call.ts';")), ['src/newthing/a.ts: src/newthing/ has no import rule; add one to ALLOWED']);
});

test('test files may use the test helpers and other layers, source files may not', () => {
  assert.deepEqual(violations(importsOf('src/sim/api/a.test.ts', "import { a } from '../../../test/helpers/sim.ts';")), []);
  assert.deepEqual(violations(importsOf('src/edge/a.test.ts', "import { a } from '../routing/locators.ts';")), []);
  assert.equal(violations(importsOf('src/sim/api/a.ts', "import { a } from '../../../test/helpers/sim.ts';")).length, 1);
});
