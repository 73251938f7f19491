// Long differential fuzzing runs of the hand-written parsers, the same generators and comparisons
// as their differential suites in `npm test`:
//   json  the merge scanner (src/execution/merge-scan.ts) against JSON.parse
//   xml   the SOAP XML parser (src/soap/safe-xml.ts) against fast-xml-parser
//   pool  the backend pool's reply parsing (src/backends/http-pool.ts) against undici, over loopback
//
//   node --import tsx scripts/fuzz-parsers.ts --suite json|xml|pool [--cases 1000000] [--seed N] [--minutes 20]
//
// Cases are drawn in batches of 1000; batch b is fc.sample(<suite's case>, { seed: seed + b }), so
// a disagreement is reproduced from the seed and batch printed with it (or from the case's JSON,
// with --replay '<json>'). Stops at --cases or --minutes, whichever comes first; prints the cases
// run, how many each side refused, and every disagreement.
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { jsonCase, runJsonCase } from '../test/helpers/parser-fuzz/json.ts';
import { runXmlCase, xmlCase } from '../test/helpers/parser-fuzz/xml.ts';
import { PoolLane, poolCase, runPoolCase } from '../test/helpers/parser-fuzz/pool.ts';

interface Verdict {
  /** A short word for the outcome, counted in the summary ('scanned', 'refused', …). */
  outcome: string;
  disagreement: string | undefined;
}

interface Suite {
  arbitrary: fc.Arbitrary<unknown>;
  run(c: unknown): Promise<Verdict>;
  /** Cases run at once (a suite that waits on sockets runs several). */
  parallel: number;
  close?(): Promise<void>;
}

async function suiteOf(name: string): Promise<Suite> {
  switch (name) {
    case 'json':
      return {
        arbitrary: jsonCase,
        parallel: 1,
        run: (c) => {
          const v = runJsonCase(c as Parameters<typeof runJsonCase>[0]);
          return Promise.resolve({ outcome: v.scanned ? 'scanned' : 'refused', disagreement: v.disagreement });
        },
      };
    case 'xml':
      return {
        arbitrary: xmlCase,
        parallel: 1,
        run: (c) => Promise.resolve(runXmlCase(c as Parameters<typeof runXmlCase>[0])),
      };
    case 'pool': {
      // Several lanes (a raw server and an undici client each), cases spread over them.
      const lanes = Array.from({ length: 8 }, () => new PoolLane());
      await Promise.all(lanes.map((l) => l.start()));
      let turn = 0;
      return {
        arbitrary: poolCase,
        parallel: lanes.length,
        run: async (c) => {
          const v = await runPoolCase(lanes[turn++ % lanes.length]!, c as Parameters<typeof runPoolCase>[1]);
          return { outcome: v.outcome, disagreement: v.disagreement };
        },
        close: async () => {
          await Promise.all(lanes.map((l) => l.close()));
        },
      };
    }
    default:
      throw new Error(`unknown suite ${name}: json, xml, pool`);
  }
}

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'json' },
    cases: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: String(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31) },
    minutes: { type: 'string', default: '20' },
    replay: { type: 'string' },
  },
});

const BATCH = 1000;
const cases = Number(values.cases);
const seed = Number(values.seed);
const deadline = Date.now() + Number(values.minutes) * 60_000;

async function main(): Promise<void> {
  const suite = await suiteOf(values.suite);
  if (values.replay !== undefined) {
    console.log(JSON.stringify(await suite.run(JSON.parse(values.replay)), null, 2));
    await suite.close?.();
    return;
  }
  const started = Date.now();
  const outcomes = new Map<string, number>();
  let disagreements = 0;
  let run = 0;
  let stopped = 'cases';
  for (let batch = 0; batch * BATCH < cases; batch++) {
    if (Date.now() > deadline) {
      stopped = 'time';
      break;
    }
    const sample = fc.sample(suite.arbitrary, { seed: seed + batch, numRuns: Math.min(BATCH, cases - batch * BATCH) });
    let next = 0;
    await Promise.all(Array.from({ length: suite.parallel }, async () => {
      while (next < sample.length) {
        const index = next++;
        const c = sample[index];
        const v = await suite.run(c);
        run++;
        outcomes.set(v.outcome, (outcomes.get(v.outcome) ?? 0) + 1);
        if (v.disagreement !== undefined) {
          disagreements++;
          console.log(`DISAGREEMENT suite ${values.suite} seed ${seed} batch ${batch} index ${index}: ${v.disagreement}\n  case: ${JSON.stringify(c)}`);
        }
      }
    }));
    if (batch % 50 === 49) console.log(`${run} cases, ${disagreements} disagreements, ${Math.round((Date.now() - started) / 1000)} s`);
  }
  await suite.close?.();
  const seconds = (Date.now() - started) / 1000;
  console.log(JSON.stringify({ suite: values.suite, seed, cases: run, stopped, seconds: Math.round(seconds), casesPerSecond: Math.round(run / seconds), outcomes: Object.fromEntries(outcomes), disagreements }));
  process.exitCode = disagreements === 0 ? 0 : 1;
}

await main();
