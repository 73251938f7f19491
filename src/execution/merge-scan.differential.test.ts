import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonCase, runJsonCase } from '../../test/helpers/parser-fuzz/json.ts';

/**
 * Differential fuzzing of the merge scanner against JSON.parse (see test/helpers/parser-fuzz/json.ts):
 * for every generated reply the scanner reads the same members, rows, ids and markers as
 * JSON.parse, or refuses where JSON.parse refuses (or for one of its documented reasons).
 * FUZZ_SEED reproduces a run; FUZZ_RUNS changes its length (scripts/fuzz-parsers.ts runs millions).
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 10_000);

test(`the merge scanner reads what JSON.parse reads, or refuses (${RUNS} generated replies, FUZZ_SEED=${SEED})`, (t) => {
  let scanned = 0;
  let refused = 0;
  fc.assert(fc.property(jsonCase, (c) => {
    const v = runJsonCase(c);
    if (v.scanned) scanned++;
    else refused++;
    if (v.disagreement !== undefined) throw new Error(`${v.disagreement} (FUZZ_SEED=${SEED}) for ${JSON.stringify(c)}: ${Buffer.from(c.hex, 'hex').toString('utf8').slice(0, 400)}`);
  }), { numRuns: RUNS, seed: SEED });
  t.diagnostic(`scanned ${scanned}, refused ${refused}`);
  // Both sides of the property are exercised, or the comparison proves little.
  assert.ok(scanned > RUNS / 4 && refused > RUNS / 10, `scanned ${scanned}, refused ${refused}`);
});
