// Mutation testing of the safety-critical modules (issue 19): `npm run mutation`.
// Not part of `npm test` or CI (it runs the listed test files once per mutant); the scores and
// the surviving mutants explained are in docs/mutation-testing.md.

import { fileURLToPath } from 'node:url';

// The tests run in a copy of the project under .stryker-tmp/, where the shared wire captures are
// not beside it: point them at the ones next to this checkout (see test/helpers/wire.ts).
process.env.WIRE_CAPTURES_DIR ??= fileURLToPath(new URL('../shared/wire-captures/', import.meta.url));

/** The code that decides where a call goes, whether it waits, who may make it, and what a merged list holds. */
const MUTATE = [
  'src/routing/**/*.ts',
  '!src/routing/**/*.test.ts',
  'src/execution/cutover-holds.ts',
  'src/execution/stages/*.ts',
  '!src/execution/stages/*.test.ts',
  'src/execution/merge-rows.ts',
  'src/core/ip-allow.ts',
  // SessionOps.login: the per-user IP check, the retail pin, and where a retail user logs in.
  'src/execution/session-ops.ts:81-86',
  'src/execution/session-ops.ts:113-119',
  'src/execution/session-ops.ts:145-185',
];

/**
 * Unit tests first (the router, the holds, merge-rows, ip-allow, the stages one by one) (a mutant they kill costs a fraction of a second), then the behaviour tests
 * with real simulators and a dispatcher on loopback. Each file is one "test" for Stryker: with
 * perTest coverage a mutant runs only the files that reached it, and the run stops at the first
 * file that fails.
 */
const TEST_FILES = [
  'src/routing/router.test.ts',
  'src/execution/cutover-holds.test.ts',
  'src/execution/merge-rows.test.ts',
  'src/core/ip-allow.test.ts',
  'src/execution/session-ops.test.ts',
  'src/execution/stages/learn-stage.test.ts',
  'src/execution/stages/hold-stage.test.ts',
  'src/execution/stages/renew-stage.test.ts',
  'src/execution/stages/context-stage.test.ts',
  'src/execution/stages/mirror-stage.test.ts',
  'src/execution/stages/call-stages.test.ts',
  'test/dispatcher/backend-renewal.test.ts',
  'test/dispatcher/cutover-gate.test.ts',
  'test/dispatcher/refusals.test.ts',
  'test/dispatcher/routing.test.ts',
  'test/dispatcher/retail.test.ts',
  'test/dispatcher/merge.test.ts',
  'test/dispatcher/merge-raw-rows.test.ts',
  'test/dispatcher/broadcast.test.ts',
  'test/dispatcher/mirrored-writes.test.ts',
  'test/dispatcher/ops.test.ts',
  'test/dispatcher/route-every-call.test.ts',
  'test/dispatcher/sessions.test.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  mutate: MUTATE,
  tap: {
    testFiles: TEST_FILES,
    // Each test file runs as `node -r <stryker hook> --import tsx <file>`; node:test writes TAP.
    nodeArgs: ['--import', 'tsx', '--test-reporter=tap'],
    forceBail: true,
  },
  coverageAnalysis: 'perTest',
  // Two cores are shared with other work; a mutant that makes a call hang is cut off by the timeout.
  concurrency: 2,
  timeoutMS: 20000,
  timeoutFactor: 2,
  // The first run of every test file, to learn which tests reach which mutant, on a loaded machine.
  dryRunTimeoutMinutes: 15,
  // tsx strips types without checking them, so an ill-typed mutant still runs.
  disableTypeChecks: false,
  ignorePatterns: ['dist', 'bench/results', 'test-output', '.scratch'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'test-output/mutation/mutation.json' },
  htmlReporter: { fileName: 'test-output/mutation/mutation.html' },
  thresholds: { high: 90, low: 75, break: null },
};
