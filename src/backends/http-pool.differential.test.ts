import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PoolLane, poolCase, runPoolCase } from '../../test/helpers/parser-fuzz/pool.ts';

/**
 * Differential fuzzing of the backend pool's reply parsing against undici (see
 * test/helpers/parser-fuzz/pool.ts): a raw server on 127.0.0.1:0 sends generated HTTP/1.1 replies;
 * the pool and undici.request read the same bytes and agree on status, headers and body, or both
 * refuse, or one side is wrong by RFC 9112 in a way the helper names. 2,000 cases in npm test (each
 * needs two connections); FUZZ_SEED reproduces a run, FUZZ_RUNS changes its length
 * (scripts/fuzz-parsers.ts --suite pool runs many more, several lanes at once).
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 2_000);

test(`the pool reads a reply as undici reads it, or refuses (${RUNS} generated replies, FUZZ_SEED=${SEED})`, async (t) => {
  const lane = new PoolLane();
  await lane.start();
  t.after(() => lane.close());
  const outcomes = new Map<string, number>();
  await fc.assert(fc.asyncProperty(poolCase, async (c) => {
    const v = await runPoolCase(lane, c);
    outcomes.set(v.outcome, (outcomes.get(v.outcome) ?? 0) + 1);
    if (v.disagreement !== undefined) throw new Error(`${v.disagreement} (FUZZ_SEED=${SEED}) for ${JSON.stringify(c)}`);
  }), { numRuns: RUNS, seed: SEED });
  t.diagnostic(JSON.stringify(Object.fromEntries(outcomes)));
  assert.ok((outcomes.get('both-accept') ?? 0) > RUNS / 4 && (outcomes.get('both-refuse') ?? 0) > RUNS / 10, JSON.stringify(Object.fromEntries(outcomes)));
});
