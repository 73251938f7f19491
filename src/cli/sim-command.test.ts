import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const BIN = new URL('../../bin/webdispatcher.js', import.meta.url).pathname;

test('webdispatcher sim prints one ready line, serves, and exits cleanly on SIGTERM', async (t) => {
  const child = spawn(process.execPath, [BIN, 'sim', '--role', 'target', '--env', '8', '--customers', '5', '--seed', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await once(lines, 'line')) as [string];
  const ready = JSON.parse(line) as { ready: boolean; role: string; env: number; urls: Record<string, string> };
  assert.equal(ready.ready, true);
  assert.equal(ready.role, 'target');
  assert.equal(ready.env, 8);
  const res = await fetch(`${ready.urls.admin}/sim/info`);
  assert.equal(((await res.json()) as { customers: number }).customers, 5);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});

test('webdispatcher sim with bad arguments explains them and exits with 2', async () => {
  const child = spawn(process.execPath, [BIN, 'sim', '--role', 'middle', '--customers', 'many'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 2);
  assert.match(err, /--role must be "source" or "target"/);
  assert.match(err, /--env <i_env> is required/);
  assert.match(err, /--customers must be an integer/);
});

test('webdispatcher sim --host binds the given address and refuses a name', async () => {
  const child = spawn(process.execPath, [BIN, 'sim', '--role', 'source', '--env', '3', '--host', 'localhost'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 2);
  assert.match(err, /--host must be an IP address, got "localhost"/);
  const bound = spawn(process.execPath, [BIN, 'sim', '--role', 'source', '--env', '3', '--customers', '2', '--host', '127.0.0.2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const [line] = (await once(createInterface({ input: bound.stdout }), 'line')) as [string];
  const ready = JSON.parse(line) as { urls: Record<string, string> };
  assert.match(ready.urls.admin!, /^http:\/\/127\.0\.0\.2:\d+$/);
  assert.equal((await fetch(`${ready.urls.admin}/sim/info`)).status, 200);
  bound.kill('SIGTERM');
  assert.equal(((await once(bound, 'exit')) as [number | null])[0], 0);
});
