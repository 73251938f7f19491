import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { CommandCopyStep } from './command-copy-step.ts';
import { HttpCopyStep } from './http-copy-step.ts';
import type { CopyJob } from './copy-step.ts';

const job: CopyJob = { campaign: 'w1', iCustomer: 42, from: 'source', to: 'target' };
const node = process.execPath;

test('a command that exits 0 has copied; the customer id reaches it in its arguments', async () => {
  const step = new CommandCopyStep(node, ['-e', 'if (process.argv[1] !== "42" || process.argv[2] !== "target") process.exit(3)', '{i_customer}', '{to}'], 10_000);
  await step.copy(job);
});

test('a command without the placeholder gets the id appended', async () => {
  await new CommandCopyStep(node, ['-e', 'process.exit(process.argv.at(-1) === "42" ? 0 : 4)'], 10_000).copy(job);
});

test('a command that exits 1 fails the copy with its exit code and the end of its output', async () => {
  const step = new CommandCopyStep(node, ['-e', 'console.log("copying 42"); console.error("target refused: product 9 unknown"); process.exit(1)'], 10_000);
  await assert.rejects(step.copy(job), (err: Error) => {
    assert.match(err.message, /exit code 1/);
    assert.match(err.message, /target refused: product 9 unknown/);
    return true;
  });
});

test('a command that outlives its timeout is killed and fails the copy saying so', async () => {
  const step = new CommandCopyStep(node, ['-e', 'console.log("started"); setTimeout(() => {}, 60000)'], 300);
  await assert.rejects(step.copy(job), /timed out after 300 ms: started/);
});

test('a program that does not exist fails the copy naming it', async () => {
  await assert.rejects(new CommandCopyStep('/nonexistent/migrate-tool', [], 1000).copy(job), /cannot run \/nonexistent\/migrate-tool/);
});

async function server(t: { after(fn: () => unknown): unknown }, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler);
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  t.after(() => { s.closeAllConnections(); s.close(); });
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/copy`;
}

test('an http step posts the job as JSON and a 2xx answer means copied', async (t) => {
  let seen: unknown;
  const url = await server(t, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => { seen = { body: JSON.parse(body) as unknown, type: req.headers['content-type'], auth: req.headers.authorization }; res.writeHead(204).end(); });
  });
  await new HttpCopyStep(url, { authorization: 'Bearer tool' }, 5000).copy(job);
  assert.deepEqual(seen, { body: { campaign: 'w1', i_customer: 42, from: 'source', to: 'target' }, type: 'application/json', auth: 'Bearer tool' });
});

test('an http 500 fails the copy with the status and the answer', async (t) => {
  const url = await server(t, (_req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }).end('database locked'); });
  await assert.rejects(new HttpCopyStep(url, {}, 5000).copy(job), /answered HTTP 500: database locked/);
});

test('an http server that does not answer in time fails the copy saying it timed out', async (t) => {
  const url = await server(t, () => { /* never answers */ });
  await assert.rejects(new HttpCopyStep(url, {}, 300).copy(job), /timed out after 300 ms/);
});
