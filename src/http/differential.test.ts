import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzCase, type FuzzCase } from '../../test/helpers/http-fuzz/requests.ts';
import { Lane, runCase } from '../../test/helpers/http-fuzz/differential.ts';
import { parseRequestHead } from './request-head.ts';

/**
 * Differential fuzzing of the lean server against node:http (llhttp): the same bytes, cut into the
 * same pieces, go to a plain node:http server and to the lean server (which hands what it does
 * not serve to node:http); both must parse the same complete requests with the same method,
 * target, headers and body. FUZZ_SEED reproduces a run; FUZZ_RUNS changes its length.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 10_000);

async function agree(lane: Lane, c: FuzzCase): Promise<void> {
  const v = await runCase(lane, c);
  assert.equal(v.disagreement, undefined, `${v.disagreement} for ${JSON.stringify(c)}`);
}

test(`the lean server parses what node:http parses, or hands the connection to it (${RUNS} generated cases, FUZZ_SEED=${SEED})`, async (t) => {
  const lane = new Lane();
  await lane.start();
  t.after(() => lane.close());
  let lean = 0;
  let handedOff = 0;
  await fc.assert(fc.asyncProperty(fuzzCase, async (c) => {
    const v = await runCase(lane, c);
    for (const p of v.actual) {
      if (p.via === 'lean') lean++;
      else handedOff++;
    }
    if (v.disagreement !== undefined) throw new Error(v.disagreement);
  }), { numRuns: RUNS, seed: SEED });
  t.diagnostic(`requests served lean: ${lean}, by node:http after a hand-off: ${handedOff}`);
  // The generators must reach the lean path, or the comparison proves nothing.
  assert.ok(lean > RUNS / 4, `lean requests ${lean}`);
});

/** What the fuzzing found, kept as fixed cases. Each failed before its fix in request-head.ts. */
test('an unknown method or CONNECT goes to node:http, which refuses the one and does not treat the other as a request', async (t) => {
  const lane = new Lane();
  await lane.start();
  t.after(() => lane.close());
  for (const method of ['FOO', 'CONNECTX', 'POSTPOSTPOSTPOST', 'CONNECT']) {
    await agree(lane, { bytes: `${method} /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /next HTTP/1.1\r\nHost: a\r\n\r\n`, cuts: [] });
  }
  const parse = (s: string) => parseRequestHead(Buffer.from(s, 'latin1'), s.indexOf('\r\n\r\n'));
  assert.equal(parse('FOO / HTTP/1.1\r\nHost: a\r\n\r\n'), undefined);
  assert.equal(parse('CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n'), undefined);
  assert.equal(parse('PROPFIND / HTTP/1.1\r\nHost: a\r\n\r\n')?.method, 'PROPFIND', 'a method llhttp knows stays lean');
});

test('a tab after the Content-Length digits (llhttp refuses) or after "close" (llhttp keeps the connection) goes to node:http', async (t) => {
  const lane = new Lane();
  await lane.start();
  t.after(() => lane.close());
  await agree(lane, { bytes: 'POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 2\t\r\n\r\nhi', cuts: [] });
  await agree(lane, { bytes: 'POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 2 \t\r\n\r\nhiGET /b HTTP/1.1\r\nHost: a\r\n\r\n', cuts: [] });
  await agree(lane, { bytes: 'GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\t\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n', cuts: [] });
  // Spaces are whitespace to both parsers: still lean.
  assert.equal(parseRequestHead(Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2  \r\n\r\n'), 43)?.contentLength, 2);
});

test('a head with more than 1000 header lines (node:http keeps the first 1000) goes to node:http', async (t) => {
  const lane = new Lane();
  await lane.start();
  t.after(() => lane.close());
  const lines = Array.from({ length: 1001 }, (_, i) => `x${i}: ${i}\r\n`).join('');
  await agree(lane, { bytes: `POST /a HTTP/1.1\r\nHost: a\r\n${lines}Content-Length: 2\r\n\r\nhi`, cuts: [] });
});
