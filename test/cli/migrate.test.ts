import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '../helpers/stack.ts';
import { cliEnv, runCli } from '../helpers/cli.ts';
import type { AfterHook } from '../helpers/sim.ts';

const TOKEN = 'demo-ops-token';

/** A pass-through proxy in front of the ops API that records each request (method and path). */
async function recordingProxy(t: AfterHook, target: string): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const to = new URL(target);
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { res.writeHead(502).end(); });
    req.pipe(up);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

async function location(stack: Stack, iCustomer: number): Promise<{ system: string; state: string }> {
  const res = await fetch(`${stack.url('ops')}/v1/locations/customers/${iCustomer}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.json()) as { system: string; state: string };
}

/** A copy tool in the operator's style: a program, its arguments, exit code 0 when copied. */
function copyTool(t: AfterHook): { dir: string; script: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wd-migrate-copy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'copy.mjs');
  writeFileSync(script, `
import { writeFileSync } from 'node:fs';
const [log, mode, id, from, to, sourceAdmin, targetAdmin] = process.argv.slice(2);
writeFileSync(log, JSON.stringify({ args: [id, from, to], env: [process.env.WD_I_CUSTOMER, process.env.WD_FROM, process.env.WD_TO] }));
if (mode === 'fail') { console.error('disk full on the target'); process.exit(3); }
const admin = { source: sourceAdmin, target: targetAdmin };
const res = await fetch(admin[from] + '/sim/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i_customer: Number(id), target: admin[to] }) });
process.exit(res.status === 200 ? 0 : 1);
`);
  return { dir, script };
}

test('migrate to the system a customer is on already says so and holds nothing', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t, { sourceCustomers: 5, targetCustomers: 3 });
  const proxy = await recordingProxy(t, stack.url('ops'));
  const r = await runCli(['migrate', '--customer', '2', '--to', 'target', '--ops-url', proxy.url, '--ops-token', TOKEN,
    '--source-admin', stack.source.urls.admin, '--target-admin', stack.target.urls.admin], cliEnv(t));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /already on the target; nothing held, nothing copied/);
  assert.deepEqual(proxy.seen, ['GET /v1/locations/customers/2'], 'no begin (no hold), no copy, no commit');
  assert.deepEqual(await location(stack, 2), { i_customer: 2, system: 'target', state: 'active', resolvedBy: 'parity' });
});

test('migrate refuses a customer that a cutover holds already, without a second begin', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t, { sourceCustomers: 5, targetCustomers: 3 });
  const begun = await fetch(`${stack.url('ops')}/v1/migrations/3/begin`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(begun.status, 200);
  const proxy = await recordingProxy(t, stack.url('ops'));
  const r = await runCli(['migrate', '--customer', '3', '--ops-url', proxy.url, '--ops-token', TOKEN,
    '--source-admin', stack.source.urls.admin, '--target-admin', stack.target.urls.admin], cliEnv(t));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^webdispatcher migrate: where: customer 3 is moving already \(a cutover or a campaign has it\)[^\n]*\n$/);
  assert.deepEqual(proxy.seen, ['GET /v1/locations/customers/3']);
});

test('migrate --copy-command runs the operator\'s tool with the placeholders, then commits', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t, { sourceCustomers: 5, targetCustomers: 3 });
  const proxy = await recordingProxy(t, stack.url('ops'));
  const { dir, script } = copyTool(t);
  const log = join(dir, 'ran.json');
  const r = await runCli(['migrate', '--customer', '1', '--ops-url', proxy.url, '--ops-token', TOKEN,
    '--copy-command', process.execPath, '--copy-arg', script, '--copy-arg', log, '--copy-arg', 'ok',
    '--copy-arg', '{i_customer}', '--copy-arg', '{from}', '--copy-arg', '{to}',
    '--copy-arg', stack.source.urls.admin, '--copy-arg', stack.target.urls.admin], cliEnv(t));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(JSON.parse(readFileSync(log, 'utf8')), { args: ['1', 'source', 'target'], env: ['1', 'source', 'target'] });
  assert.deepEqual(proxy.seen, ['GET /v1/locations/customers/1', 'POST /v1/migrations/1/begin', 'POST /v1/migrations/1/commit']);
  assert.match(r.stdout, /^copy +\{"i_customer":1,"from":"source","to":"target","step":"command"\}$/m);
  assert.equal((await location(stack, 1)).system, 'target');
  const info = (await (await fetch(`${stack.target.urls.admin}/sim/info`)).json()) as { customers: number };
  assert.equal(info.customers, 4, 'the tool copied John to the target (3 of its own, and him)');
});

test('a failed --copy-command aborts the move with the tool\'s reason, and the customer stays where it was', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t, { sourceCustomers: 5, targetCustomers: 3 });
  const proxy = await recordingProxy(t, stack.url('ops'));
  const { dir, script } = copyTool(t);
  const r = await runCli(['migrate', '--customer', '5', '--ops-url', proxy.url, '--ops-token', TOKEN,
    '--copy-command', process.execPath, '--copy-arg', script, '--copy-arg', join(dir, 'ran.json'), '--copy-arg', 'fail'], cliEnv(t));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^webdispatcher migrate: copy: .* exit code 3: disk full on the target; the move was aborted \(calls released to the source\)\n$/);
  assert.deepEqual(proxy.seen, ['GET /v1/locations/customers/5', 'POST /v1/migrations/5/begin', 'POST /v1/migrations/5/abort']);
  const after = await location(stack, 5);
  assert.deepEqual({ system: after.system, state: after.state }, { system: 'source', state: 'active' });
});

test('migrate checks its copy step before holding: a program that does not exist is refused up front', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t, { sourceCustomers: 5, targetCustomers: 3 });
  const proxy = await recordingProxy(t, stack.url('ops'));
  const r = await runCli(['migrate', '--customer', '1', '--ops-url', proxy.url, '--ops-token', TOKEN, '--copy-command', '/nonexistent/copy-tool'], cliEnv(t));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^webdispatcher migrate: --copy-command "\/nonexistent\/copy-tool" is not a program this user can run\n$/);
  assert.deepEqual(proxy.seen, []);
});
