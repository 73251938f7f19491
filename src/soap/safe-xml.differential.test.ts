import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runXmlCase, xmlCase } from '../../test/helpers/parser-fuzz/xml.ts';

/**
 * Differential fuzzing of the SOAP XML parser against fast-xml-parser (see
 * test/helpers/parser-fuzz/xml.ts): the same tree, or both refuse, or safe-xml refuses for a
 * documented reason (DOCTYPE/ENTITY, processing instructions, other encodings, namespace rules)
 * or one XML 1.0 gives and fast-xml-parser lets through. FUZZ_SEED reproduces a run; FUZZ_RUNS
 * changes its length (scripts/fuzz-parsers.ts --suite xml runs millions).
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 10_000);

test(`safe-xml builds the tree fast-xml-parser builds, or refuses (${RUNS} generated documents, FUZZ_SEED=${SEED})`, (t) => {
  const outcomes = new Map<string, number>();
  fc.assert(fc.property(xmlCase, (c) => {
    const v = runXmlCase(c);
    outcomes.set(v.outcome, (outcomes.get(v.outcome) ?? 0) + 1);
    if (v.disagreement !== undefined) throw new Error(`${v.disagreement} (FUZZ_SEED=${SEED}) for ${JSON.stringify(c)}: ${JSON.stringify(Buffer.from(c.hex, 'hex').toString('utf8').slice(0, 600))}`);
  }), { numRuns: RUNS, seed: SEED });
  t.diagnostic(JSON.stringify(Object.fromEntries(outcomes)));
  // Both sides of the property are exercised.
  assert.ok((outcomes.get('both-accept') ?? 0) > RUNS / 4 && (outcomes.get('both-refuse') ?? 0) > RUNS / 10, JSON.stringify(Object.fromEntries(outcomes)));
});
