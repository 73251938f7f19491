import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createSimulator } from '../../src/sim/simulator.ts';
import { requireService, REDIS_URL } from '../helpers/services.ts';
import { login } from '../helpers/stack.ts';

test('with workers: 2 any worker serves any session, and a killed worker loses no session', { timeout: 60_000 }, async (t) => {
  if (!(await requireService(t, 'redis'))) return;
  const source = await createSimulator({ role: 'source', env: 3, customers: 20, seed: 1 });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 5, seed: 1 });
  t.after(() => target.close());
  const dir = mkdtempSync(join(tmpdir(), 'wd-workers-'));
  const config = join(dir, 'dispatcher.yaml');
  const urls = (u: typeof source.urls) => JSON.stringify({ admin: u.admin, reseller: u.reseller, customer: u.customer, account: u.account, portasip: u.portasip });
  writeFileSync(config, [
    `systems:`,
    `  source: { env: 3, urls: ${urls(source.urls)} }`,
    `  target: { env: 8, urls: ${urls(target.urls)} }`,
    `listen: { host: 127.0.0.1, admin: 0, reseller: 0, customer: 0, account: 0, portasip: 0, ops: 0 }`,
    `sessions: { store: redis, redisUrl: "${REDIS_URL}", secret: "${randomBytes(16).toString('hex')}" }`,
    `directory: { store: sqlite, sqlitePath: "${join(dir, 'directory.sqlite')}" }`,
    `ops: { token: "${randomBytes(12).toString('hex')}" }`,
    `workers: 2`,
    `log: { level: warn }`,
  ].join('\n'));
  const bin = new URL('../../bin/webdispatcher.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, 'start', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' } });
  t.after(async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await Promise.race([once(lines, 'line'), new Promise((_, reject) => setTimeout(() => reject(new Error(`no ready line: ${stderr}`)), 30_000))])) as [string];
  const ready = JSON.parse(line) as { ready: boolean; workers: number; pid: number; dispatcher: { admin: string } };
  assert.equal(ready.workers, 2);
  const admin = ready.dispatcher.admin;
  const token = await login(admin, 'admin', { token: 'demo-admin-token' });
  // New connections are spread over the workers by the primary; every one must know the session.
  const pids = new Set<string>();
  for (let i = 0; i < 12; i++) {
    const res = await fetch(`${admin}/rest/Customer/get_customer_info`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, connection: 'close' }, body: '{"params":{"i_customer":3}}',
    });
    assert.equal(res.status, 200, await res.text());
    await res.text().catch(() => undefined);
  }
  const { execFileSync } = await import('node:child_process');
  // Children of the primary that run the dispatcher (the TypeScript loader may add a helper process).
  for (const pid of execFileSync('pgrep', ['-P', String(ready.pid)], { encoding: 'utf8' }).trim().split('\n')) {
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('webdispatcher.js')) pids.add(pid);
  }
  assert.equal(pids.size, 2, 'two worker processes');
  // Kill one worker: the session lives in Redis, the primary starts another worker.
  process.kill(Number([...pids][0]), 'SIGKILL');
  let ok = 0;
  for (let i = 0; i < 12; i++) {
    try {
      // A kept-alive connection to the killed worker may never answer: every call has a deadline.
      const r = await fetch(`${admin}/rest/Customer/get_customer_info`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"params":{"i_customer":3}}', signal: AbortSignal.timeout(3000),
      });
      if (r.status === 200) ok++;
      await r.text();
    } catch {
      // a connection to the dying worker may fail once; clients retry
    }
  }
  assert.ok(ok >= 10, `calls after a worker died: ${ok}/12 succeeded`);
});

test('with workers: 2, /metrics and the dashboard count every worker\'s calls, not the one that answers the scrape', { timeout: 60_000 }, async (t) => {
  if (!(await requireService(t, 'redis'))) return;
  const source = await createSimulator({ role: 'source', env: 3, customers: 20, seed: 1 });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 5, seed: 1 });
  t.after(() => target.close());
  const dir = mkdtempSync(join(tmpdir(), 'wd-workers-'));
  const config = join(dir, 'dispatcher.yaml');
  const opsToken = randomBytes(12).toString('hex');
  const urls = (u: typeof source.urls) => JSON.stringify({ admin: u.admin, reseller: u.reseller, customer: u.customer, account: u.account, portasip: u.portasip });
  writeFileSync(config, [
    `systems:`,
    `  source: { env: 3, urls: ${urls(source.urls)} }`,
    `  target: { env: 8, urls: ${urls(target.urls)} }`,
    `listen: { host: 127.0.0.1, admin: 0, ops: 0 }`,
    `sessions: { store: redis, redisUrl: "${REDIS_URL}", secret: "${randomBytes(16).toString('hex')}" }`,
    `directory: { store: sqlite, sqlitePath: "${join(dir, 'directory.sqlite')}" }`,
    `ops: { token: "${opsToken}" }`,
    `envCheck: { atStart: false }`,
    `workers: 2`,
    `log: { level: warn }`,
  ].join('\n'));
  const bin = new URL('../../bin/webdispatcher.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, 'start', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' } });
  t.after(async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await Promise.race([once(lines, 'line'), new Promise((_, reject) => setTimeout(() => reject(new Error(`no ready line: ${stderr}`)), 30_000))])) as [string];
  const ready = JSON.parse(line) as { dispatcher: { admin: string; ops: string } };
  const token = await login(ready.dispatcher.admin, 'admin', { token: 'demo-admin-token' });
  const CALLS = 20;
  for (let i = 0; i < CALLS; i++) {
    // A new connection per call: the primary spreads connections over the workers.
    const res = await fetch(`${ready.dispatcher.admin}/rest/Customer/get_customer_info`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, connection: 'close' }, body: '{"params":{"i_customer":3}}',
    });
    assert.equal(res.status, 200, await res.text());
  }
  const sumOf = (text: string, re: RegExp) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  for (let scrape = 0; scrape < 4; scrape++) {
    const text = await (await fetch(`${ready.dispatcher.ops}/metrics`, { headers: { authorization: `Bearer ${opsToken}`, connection: 'close' } })).text();
    const calls = sumOf(text, /^webdispatcher_calls_total\{listener="admin",plan="single",status="200"\} (\d+)$/gm);
    assert.equal(calls, CALLS, `scrape ${scrape}: ${text.split('\n').filter((l) => l.startsWith('webdispatcher_calls_total')).join(' | ')}`);
    assert.equal(sumOf(text, /^webdispatcher_calls_total\{listener="admin",plan="session-op",status="200"\} (\d+)$/gm), 1, 'the login, once');
    assert.match(text, /^webdispatcher_build_info\{[^}]*\} 1$/m, 'a shared view is not summed over workers');
    const dashboard = await (await fetch(`${ready.dispatcher.ops}/v1/dashboard.json`, { headers: { authorization: `Bearer ${opsToken}`, connection: 'close' } })).json() as { traffic: Record<string, number> };
    assert.equal(dashboard.traffic.source, CALLS + 1, `dashboard, scrape ${scrape}: ${JSON.stringify(dashboard.traffic)}`);
  }
});

test('with workers: 2, the dashboard and the console count the calls held on every worker', { timeout: 90_000 }, async (t) => {
  if (!(await requireService(t, 'redis'))) return;
  const source = await createSimulator({ role: 'source', env: 3, customers: 20, seed: 1 });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 5, seed: 1 });
  t.after(() => target.close());
  const dir = mkdtempSync(join(tmpdir(), 'wd-workers-'));
  const config = join(dir, 'dispatcher.yaml');
  const opsToken = randomBytes(12).toString('hex');
  const urls = (u: typeof source.urls) => JSON.stringify({ admin: u.admin, reseller: u.reseller, customer: u.customer, account: u.account, portasip: u.portasip });
  writeFileSync(config, [
    `systems:`,
    `  source: { env: 3, urls: ${urls(source.urls)} }`,
    `  target: { env: 8, urls: ${urls(target.urls)} }`,
    `listen: { host: 127.0.0.1, admin: 0, ops: 0 }`,
    `sessions: { store: redis, redisUrl: "${REDIS_URL}", secret: "${randomBytes(16).toString('hex')}" }`,
    `directory: { store: sqlite, sqlitePath: "${join(dir, 'directory.sqlite')}" }`,
    `ops: { token: "${opsToken}", serviceLogin: { login: "admin", token: "demo-admin-token" } }`,
    `cutover: { holdTimeoutMs: 20000 }`,
    `envCheck: { atStart: false }`,
    `workers: 2`,
    `log: { level: warn }`,
  ].join('\n'));
  const bin = new URL('../../bin/webdispatcher.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, 'start', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' } });
  t.after(async () => {
    child.kill('SIGINT');
    if (child.exitCode === null) await once(child, 'exit');
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await Promise.race([once(lines, 'line'), new Promise((_, reject) => setTimeout(() => reject(new Error(`no ready line: ${stderr}`)), 30_000))])) as [string];
  const ready = JSON.parse(line) as { dispatcher: { admin: string; ops: string } };
  const ops = (path: string, method = 'GET') => fetch(`${ready.dispatcher.ops}${path}`, { method, headers: { authorization: `Bearer ${opsToken}`, connection: 'close' } });
  const token = await login(ready.dispatcher.admin, 'admin', { token: 'demo-admin-token' });
  const begun = await ops('/v1/migrations/1/begin', 'POST');
  assert.equal(begun.status, 200, await begun.text());
  // A new connection per call: the primary hands connections to the workers in turn, so each holds some.
  const HELD = 4;
  const held = Array.from({ length: HELD }, () => fetch(`${ready.dispatcher.admin}/rest/Customer/get_customer_info`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, connection: 'close' }, body: '{"params":{"i_customer":1}}',
  }).then((r) => r.text(), () => ''));
  const heldNow = async () => {
    const dashboard = await (await ops('/v1/dashboard.json')).json() as { heldCalls: number };
    const consoleView = await (await ops('/v1/console.json')).json() as { heldCalls: number };
    return [dashboard.heldCalls, consoleView.heldCalls];
  };
  let seen = await heldNow();
  for (let waited = 0; waited < 10_000 && seen.some((n) => n !== HELD); waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await heldNow();
  }
  assert.deepEqual(seen, [HELD, HELD], 'dashboard and console: every worker\'s held calls');
  // Whichever worker answers the next readings, they count the node's held calls.
  for (let scrape = 0; scrape < 4; scrape++) assert.deepEqual(await heldNow(), [HELD, HELD], `scrape ${scrape}`);
  assert.equal((await ops('/v1/migrations/1/abort', 'POST')).status, 200);
  await Promise.all(held);
});
