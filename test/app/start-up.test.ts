import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createSimulator } from '../../src/sim/simulator.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { REDIS_URL, requireService } from '../helpers/services.ts';
import { loadSimDescription } from '../../src/sim/description/description.ts';
import { postSoap, soapEnvelope } from '../helpers/soap-envelopes.ts';

const BIN = new URL('../../bin/webdispatcher.js', import.meta.url).pathname;

/** A loopback port with nothing listening on it (taken and released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function writeConfig(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'wd-startup-'));
  const file = join(dir, 'dispatcher.yaml');
  const systems = ['source', 'target'].map((s, i) => `  ${s}: { env: ${i === 0 ? 3 : 8}, urls: { admin: "http://127.0.0.1:9/", reseller: "http://127.0.0.1:9/", customer: "http://127.0.0.1:9/", account: "http://127.0.0.1:9/", portasip: "http://127.0.0.1:9/" } }`);
  writeFileSync(file, [
    'systems:', ...systems,
    'listen: { host: 127.0.0.1, admin: 0, ops: 0 }',
    ...(lines.some((l) => l.startsWith('sessions:')) ? [] : [`sessions: { secret: "${randomBytes(16).toString('hex')}" }`]),
    `ops: { token: "${randomBytes(12).toString('hex')}" }`,
    'envCheck: { atStart: false }',
    ...lines.map((l) => l.replaceAll('$DIR', dir)),
  ].join('\n'));
  return file;
}

function start(config: string) {
  const child = spawn(process.execPath, [BIN, 'start', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  // 'close', not 'exit': the output is read to its end before the test looks at it.
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited, out: () => stdout, err: () => stderr };
}

test('start against an unreachable PostgreSQL retries, then exits non-zero within 30 s with one line naming the store and no stack trace', { timeout: 60_000 }, async (t) => {
  const port = await closedPort();
  const p = start(writeConfig([`directory: { store: postgres, databaseUrl: "postgres://wd:s3cret@127.0.0.1:${port}/test" }`]));
  t.after(() => { p.child.kill('SIGKILL'); });
  const began = Date.now();
  const [code] = await p.exited;
  const seconds = (Date.now() - began) / 1000;
  assert.notEqual(code, 0, p.err());
  assert.ok(seconds < 30, `exited after ${seconds} s`);
  const lines = p.err().trim().split('\n');
  const last = lines.at(-1)!;
  assert.match(last, /^webdispatcher start: cannot open the location directory \(PostgreSQL at postgres:\/\/wd:\*\*\*@127\.0\.0\.1:\d+\/test\): .*\(5 attempts in [\d.]+ s\)$/);
  assert.doesNotMatch(p.err(), /s3cret/, 'the password is not printed');
  assert.doesNotMatch(p.err(), /^\s+at /m, 'no stack trace');
  assert.match(p.err(), /retrying/, 'the retries are logged');
  assert.equal(p.out(), '', 'no ready line');
});

/** A loopback port that accepts connections and never answers: a hung or firewalled store. */
async function silentPort(t: { after(fn: () => unknown): void }): Promise<number> {
  const sockets = new Set<Socket>();
  const srv = createServer((s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.after(() => { for (const s of sockets) s.destroy(); srv.close(); });
  return (srv.address() as { port: number }).port;
}

test('start against a PostgreSQL or a Redis that accepts connections but never answers still exits non-zero within 30 s with one line', { timeout: 90_000 }, async (t) => {
  const port = await silentPort(t);
  const runs = [
    { store: 'location directory', lines: [`directory: { store: postgres, databaseUrl: "postgres://wd@127.0.0.1:${port}/test" }`] },
    { store: 'session store', lines: [`sessions: { store: redis, redisUrl: "redis://127.0.0.1:${port}", secret: "${randomBytes(16).toString('hex')}" }`, 'directory: { store: memory }'] },
  ];
  await Promise.all(runs.map(async ({ store, lines }) => {
    const p = start(writeConfig(lines));
    t.after(() => { p.child.kill('SIGKILL'); });
    const began = Date.now();
    const [code] = await p.exited;
    const seconds = (Date.now() - began) / 1000;
    assert.notEqual(code, 0, p.err());
    assert.ok(seconds < 30, `${store}: exited after ${seconds} s`);
    assert.match(p.err().trim().split('\n').at(-1)!, new RegExp(`^webdispatcher start: cannot open the ${store} .*\\(\\d attempts? in [\\d.]+ s\\)$`), store);
    assert.doesNotMatch(p.err(), /^\s+at /m, 'no stack trace');
    assert.equal(p.out(), '', 'no ready line');
  }));
});

test('SIGTERM while an attempt waits on a store that never answers exits cleanly at once', { timeout: 60_000 }, async (t) => {
  const port = await silentPort(t);
  const p = start(writeConfig([`directory: { store: postgres, databaseUrl: "postgres://wd@127.0.0.1:${port}/test" }`]));
  t.after(() => { p.child.kill('SIGKILL'); });
  // The first attempt hangs on its connect; let the process get well into it.
  await new Promise((r) => setTimeout(r, 3000));
  const began = Date.now();
  p.child.kill('SIGTERM');
  const [code, signal] = await p.exited;
  assert.equal(signal, null, 'exited by itself');
  assert.equal(code, 0, p.err());
  assert.ok(Date.now() - began < 2000, `took ${Date.now() - began} ms: it waited for the connect timeout`);
  assert.match(p.err(), /interrupted by a signal before it listened/);
});

test('start against an unreachable Redis exits non-zero with one line naming the session store', { timeout: 60_000 }, async (t) => {
  const port = await closedPort();
  const p = start(writeConfig([`sessions: { store: redis, redisUrl: "redis://127.0.0.1:${port}", secret: "${randomBytes(16).toString('hex')}" }`, 'directory: { store: memory }']));
  t.after(() => { p.child.kill('SIGKILL'); });
  const began = Date.now();
  const [code] = await p.exited;
  assert.notEqual(code, 0);
  assert.ok((Date.now() - began) / 1000 < 30);
  assert.match(p.err().trim().split('\n').at(-1)!, /^webdispatcher start: cannot open the session store \(Redis at redis:\/\/127\.0\.0\.1:\d+\)/);
  assert.doesNotMatch(p.err(), /^\s+at /m);
});

test('SIGTERM while start is still retrying its store exits cleanly at once', { timeout: 60_000 }, async (t) => {
  const port = await closedPort();
  const p = start(writeConfig([`directory: { store: postgres, databaseUrl: "postgres://wd@127.0.0.1:${port}/test" }`]));
  t.after(() => { p.child.kill('SIGKILL'); });
  // Wait for the first retry line: the process is then inside the bounded retries.
  while (!/retrying/.test(p.err())) await new Promise((r) => setTimeout(r, 50));
  const began = Date.now();
  p.child.kill('SIGTERM');
  const [code, signal] = await p.exited;
  assert.equal(signal, null, 'exited by itself, not killed by the signal');
  assert.equal(code, 0, p.err());
  assert.ok(Date.now() - began < 5000, 'did not wait for the remaining retries');
  assert.match(p.err(), /interrupted by a signal before it listened/);
});

test('a start and a stop line in the log carry the node id, the version and the listeners', { timeout: 60_000 }, async (t) => {
  const p = start(writeConfig(['directory: { store: sqlite, sqlitePath: "$DIR/directory.sqlite" }', 'log: { level: info }']));
  t.after(() => { p.child.kill('SIGKILL'); });
  const lines = createInterface({ input: p.child.stdout });
  const ready = await new Promise<string>((resolve) => lines.on('line', (l) => { if (l.includes('"ready"')) resolve(l); }));
  const admin = (JSON.parse(ready) as { dispatcher: { admin: string } }).dispatcher.admin;
  const logLines = () => (p.out() + p.err()).split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return {}; } });
  // The log goes to stderr and the ready line to stdout: two pipes, read in no fixed order, so the
  // started line may reach this process after the ready line (seen under CI load).
  for (let waited = 0; waited < 10_000 && !logLines().some((l) => l.msg === 'started'); waited += 50) await new Promise((r) => setTimeout(r, 50));
  const started = logLines().find((l) => l.msg === 'started');
  assert.ok(started, p.out() + p.err());
  assert.match(String(started.node), /-\d+-[0-9a-f]{6}$/);
  assert.match(String(started.version), /^\d+\.\d+\.\d+/);
  assert.ok((started.listeners as string[]).includes(`admin=${admin}`), JSON.stringify(started));
  p.child.kill('SIGTERM');
  const [code] = await p.exited;
  assert.equal(code, 0, p.err());
  const stopped = logLines().find((l) => l.msg === 'stopped');
  assert.ok(stopped, p.out() + p.err());
  assert.equal(stopped.node, started.node);
});

test('call lines carry the client address and the login; faults are counted by code; /metrics has process and build metrics', { timeout: 60_000 }, async (t) => {
  const source = await createSimulator({ role: 'source', env: 3, customers: 5, seed: 1 });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 5, seed: 1 });
  t.after(() => target.close());
  const urls = (u: typeof source.urls) => JSON.stringify({ admin: u.admin, reseller: u.reseller, customer: u.customer, account: u.account, portasip: u.portasip });
  const token = randomBytes(12).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'wd-startup-'));
  const file = join(dir, 'dispatcher.yaml');
  writeFileSync(file, [
    'systems:', `  source: { env: 3, urls: ${urls(source.urls)} }`, `  target: { env: 8, urls: ${urls(target.urls)} }`,
    'listen: { host: 127.0.0.1, admin: 0, ops: 0 }',
    `sessions: { secret: "${randomBytes(16).toString('hex')}" }`, `ops: { token: "${token}" }`,
    'directory: { store: memory }', 'envCheck: { atStart: false }', 'log: { level: info }',
  ].join('\n'));
  const p = start(file);
  t.after(() => { p.child.kill('SIGKILL'); });
  const lines = createInterface({ input: p.child.stdout });
  const ready = JSON.parse(await new Promise<string>((resolve) => lines.on('line', (l) => { if (l.includes('"ready"')) resolve(l); }))) as { dispatcher: { admin: string; ops: string } };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${ready.dispatcher.admin}/rest/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const bad = await post('Session/login', { params: { login: 'intruder', password: 'wrong' } });
  assert.equal(bad.status, 500);
  const ok = await (await post('Session/login', { params: { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password } })).json() as { access_token?: string; session_id?: string };
  assert.ok(ok.access_token, JSON.stringify(ok));
  const info = await post('Customer/get_customer_info', { params: { i_customer: 3 } }, { authorization: `Bearer ${ok.access_token}` });
  assert.equal(info.status, 200, await info.text());
  const noSession = await post('Customer/get_customer_info', { params: { i_customer: 3 } });
  assert.equal(noSession.status, 500);
  const soap = await postSoap(ready.dispatcher.admin, 'Customer', 'get_customer_info', soapEnvelope(loadSimDescription(), 'Customer', 'get_customer_info', { i_customer: 3 }, { session_id: ok.session_id! }));
  assert.equal(soap.status, 200, soap.body.toString());
  const metrics = await (await fetch(`${ready.dispatcher.ops}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  assert.match(metrics, /^webdispatcher_faults_total\{faultcode="Server\.Session\.[^"]+",listener="admin"\} [12]$/m);
  assert.match(metrics, /^process_resident_memory_bytes \d+$/m);
  assert.match(metrics, /^process_open_fds \d+$/m);
  const gauge = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
  assert.ok(gauge('nodejs_heap_size_total_bytes') >= gauge('nodejs_heap_size_used_bytes'), 'the heap reserved holds the heap in use');
  assert.ok(gauge('nodejs_external_memory_bytes') > 0);
  assert.match(metrics, /^nodejs_eventloop_lag_p99_seconds [\d.e-]+$/m);
  assert.match(metrics, /^webdispatcher_build_info\{node="v\d+[^"]*",version="\d+\.\d+\.\d+[^"]*"\} 1$/m);
  await new Promise((r) => setTimeout(r, 200));
  const log = (p.out() + p.err()).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const calls = log.filter((l) => l.msg === 'call');
  const infoLine = calls.find((l) => l.method === 'Customer/get_customer_info' && l.status === 200);
  assert.equal(infoLine?.client, '127.0.0.1', JSON.stringify(calls));
  assert.equal(infoLine?.login, 'admin');
  const soapLine = calls.find((l) => l.method === 'Customer/get_customer_info' && l.status === 200 && l !== infoLine);
  assert.equal(soapLine?.client, '127.0.0.1', `a SOAP call line: ${JSON.stringify(calls)}`);
  assert.equal(soapLine?.login, 'admin', 'a SOAP call line names the login');
  const refused = calls.find((l) => l.method === 'Session/login' && l.status !== 200);
  assert.equal(refused?.login, 'intruder', 'a failed login names the login it tried');
  const warn = log.find((l) => l.msg === 'login refused');
  assert.equal(warn?.level, 'warn', 'failed logins at warn');
});

test('with workers: 2 a dead PostgreSQL stops the whole node with a non-zero exit instead of forking workers forever', { timeout: 60_000 }, async (t) => {
  if (!(await requireService(t, 'redis'))) return;
  const port = await closedPort();
  const p = start(writeConfig([
    `sessions: { store: redis, redisUrl: "${REDIS_URL}", secret: "${randomBytes(16).toString('hex')}" }`,
    `directory: { store: postgres, databaseUrl: "postgres://wd@127.0.0.1:${port}/test" }`, 'workers: 2',
  ]));
  t.after(() => { p.child.kill('SIGKILL'); });
  const began = Date.now();
  const [code] = await p.exited;
  assert.notEqual(code, 0, p.err());
  assert.ok((Date.now() - began) / 1000 < 30);
  assert.match(p.err(), /^webdispatcher start: cannot open the location directory/m);
  assert.match(p.err(), /^webdispatcher start: a worker could not start/m);
  assert.doesNotMatch(p.err(), /^\s+at /m);
});
