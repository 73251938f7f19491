// Long differential fuzzing run of the lean HTTP server against node:http (llhttp), the same
// generators and comparison as src/http/differential.test.ts, many lanes at once.
//
//   node --import tsx scripts/fuzz-http.ts [--cases 1000000] [--seed N] [--minutes 20] [--lanes 32]
//
// Cases are drawn in batches of 1000; batch b is fc.sample(fuzzCase, { seed: seed + b }), so a
// disagreement is reproduced from the seed and batch printed with it (or from the case's JSON,
// with --replay '<json>'). Stops at --cases or --minutes, whichever comes first; prints the
// cases run, requests served lean and by node:http, and every disagreement.
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { fuzzCase, type FuzzCase } from '../test/helpers/http-fuzz/requests.ts';
import { Lane, runCase } from '../test/helpers/http-fuzz/differential.ts';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: String(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31) },
    minutes: { type: 'string', default: '20' },
    lanes: { type: 'string', default: '32' },
    replay: { type: 'string' },
  },
});

const BATCH = 1000;
const cases = Number(values.cases);
const seed = Number(values.seed);
const deadline = Date.now() + Number(values.minutes) * 60_000;
const laneCount = Math.max(1, Number(values.lanes));

interface Disagreement {
  batch: number;
  index: number;
  why: string;
  c: FuzzCase;
}

async function main(): Promise<void> {
  if (values.replay !== undefined) {
    const lane = new Lane();
    await lane.start();
    const v = await runCase(lane, JSON.parse(values.replay) as FuzzCase);
    lane.close();
    console.log(JSON.stringify({ expected: v.expected, actual: v.actual, disagreement: v.disagreement ?? null }, null, 2));
    return;
  }
  const lanes = Array.from({ length: laneCount }, () => new Lane());
  await Promise.all(lanes.map((l) => l.start()));
  const started = Date.now();
  const disagreements: Disagreement[] = [];
  let run = 0;
  let lean = 0;
  let node = 0;
  let batch = 0;
  let stopped = 'cases';
  for (; batch * BATCH < cases; batch++) {
    if (Date.now() > deadline) {
      stopped = 'time';
      break;
    }
    const sample = fc.sample(fuzzCase, { seed: seed + batch, numRuns: Math.min(BATCH, cases - batch * BATCH) });
    let next = 0;
    await Promise.all(lanes.map(async (lane) => {
      while (next < sample.length) {
        const index = next++;
        const c = sample[index]!;
        const v = await runCase(lane, c);
        run++;
        for (const p of v.actual) {
          if (p.via === 'lean') lean++;
          else node++;
        }
        if (v.disagreement !== undefined) {
          disagreements.push({ batch, index, why: v.disagreement, c });
          console.log(`DISAGREEMENT seed ${seed} batch ${batch} index ${index}: ${v.disagreement}\n  case: ${JSON.stringify(c)}`);
        }
      }
    }));
    if (batch % 50 === 49) console.log(`${run} cases, ${disagreements.length} disagreements, ${Math.round((Date.now() - started) / 1000)} s`);
  }
  for (const l of lanes) l.close();
  const seconds = (Date.now() - started) / 1000;
  console.log(JSON.stringify({ seed, cases: run, stopped, seconds: Math.round(seconds), casesPerSecond: Math.round(run / seconds), requestsLean: lean, requestsNodeAfterHandOff: node, disagreements: disagreements.length }));
  process.exitCode = disagreements.length === 0 ? 0 : 1;
}

await main();
