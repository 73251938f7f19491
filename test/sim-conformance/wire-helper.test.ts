import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import { captureToBytes, loadCaptures, sendRaw, sendSequence, jsonRequest } from '../helpers/wire.ts';
import { fault, ok } from '../helpers/sim.ts';
import type { JsonReply } from '../helpers/sim.ts';

/** The helpers the conformance suites trust must themselves be right: checked against node:http. */

function reply(status: number, text: string, contentType = 'application/json'): JsonReply {
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status, headers: { 'content-type': contentType }, raw: Buffer.from(text), text, json };
}

test('captureToBytes keeps header order and bytes, swapping only host, token and a changed content-length', () => {
  const [line] = loadCaptures('rest-porta-billing-php.jsonl').slice(1, 2);
  assert.ok(line);
  const captured = line.headers['authorization']!.slice('Bearer '.length);
  const same = captureToBytes(line, 'http://127.0.0.1:1234', new Map([[captured, 'T'.repeat(captured.length)]])).toString();
  const lines = same.split('\r\n');
  assert.equal(lines[0], `POST ${line.url} HTTP/1.1`);
  assert.deepEqual(lines.slice(1, 6).map((l) => l.split(':')[0]), Object.keys(line.headers));
  assert.equal(lines[1], 'host: 127.0.0.1:1234');
  assert.ok(same.endsWith(`\r\n\r\n${line.body}`));
  assert.ok(same.includes(`content-length: ${line.headers['content-length']}\r\n`));

  const ping = loadCaptures('rest-porta-billing-php.jsonl').find((l) => l.url === '/rest/Session/ping')!;
  const token = ping.headers['authorization']!.slice('Bearer '.length);
  const shorter = captureToBytes(ping, 'http://127.0.0.1:1', new Map([[token, 'abc']])).toString();
  assert.ok(shorter.includes('authorization: Bearer abc\r\n'));
  assert.ok(shorter.endsWith('\r\n\r\n{"params":{"access_token":"abc"}}'));
  assert.ok(shorter.includes(`content-length: ${'{"params":{"access_token":"abc"}}'.length}\r\n`));
});

test('sendRaw and sendSequence read content-length, chunked and gzip replies over one connection', async (t) => {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/chunked') { res.write('{"a":'); res.end('1}'); return; }
      if (req.url === '/gzip') { res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }); res.end(gzipSync('{"z":true}')); return; }
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"faultcode":"X.y","faultstring":"z"}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const one = await sendRaw(base, jsonRequest(base, '/chunked', '{}'));
  assert.equal(one.text, '{"a":1}');
  const seq = await sendSequence(base, [jsonRequest(base, '/gzip', '{}'), jsonRequest(base, '/chunked', '{}'), jsonRequest(base, '/fault', '{}')]);
  assert.deepEqual(seq.map((r) => [r.status, r.text]), [[200, '{"z":true}'], [200, '{"a":1}'], [500, '{"faultcode":"X.y","faultstring":"z"}']]);
});

test('fault() accepts only the exact PortaBilling fault shape and ok() only JSON successes', () => {
  fault(reply(500, '{"faultcode":"Server.Session.auth_failed","faultstring":"no"}'), 'Server.Session.auth_failed');
  assert.throws(() => fault(reply(500, '{"faultstring":"no","faultcode":"Server.Session.auth_failed"}')), 'key order');
  assert.throws(() => fault(reply(500, '{"faultcode":"A.b","faultstring":"no","extra":1}')), 'extra key');
  assert.throws(() => fault(reply(500, '{"faultcode":"A.b","faultstring":""}')), 'empty faultstring');
  assert.throws(() => fault(reply(200, '{"faultcode":"A.b","faultstring":"x"}')), 'a 200 is not a fault');
  assert.throws(() => fault(reply(500, '{"faultcode":"A.b","faultstring":"x"}', 'text/html')), 'content type');
  assert.throws(() => fault(reply(500, '{"faultcode":"A.b","faultstring":"x"}'), 'A.c'), 'code');
  ok(reply(200, '{"x":1}'));
  assert.throws(() => ok(reply(200, '{"x":1}', 'text/plain')));
  assert.throws(() => ok(reply(200, '[1]')));
});
