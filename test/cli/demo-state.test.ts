import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoStateDir, liveDemos, removeDemoState, writeDemoState, type DemoState } from '../../src/app/demo-state.ts';
import { resolveOps } from '../../src/cli/ops-target.ts';
import { UsageError } from '../../src/cli/command-args.ts';
import { cliEnv, runCli, startDemo } from '../helpers/cli.ts';

function stateEnv(t: { after(fn: () => void): void }): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'wd-demo-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { XDG_STATE_HOME: dir, HOME: '/nonexistent-home' };
}

const demo = (opsPort: number, pid: number): DemoState => ({
  pid, opsPort, opsUrl: `http://127.0.0.1:${opsPort}`, opsToken: `token-${opsPort}`,
  sourceAdmin: `http://127.0.0.1:${opsPort + 1}`, targetAdmin: `http://127.0.0.1:${opsPort + 2}`, startedAt: new Date(0).toISOString(),
});

/** The pid of a process that has already ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('the state folder is $XDG_STATE_HOME/webdispatcher/demos, else ~/.local/state (a relative XDG path is ignored)', () => {
  assert.equal(demoStateDir({ XDG_STATE_HOME: '/x/state', HOME: '/home/u' }), '/x/state/webdispatcher/demos');
  assert.equal(demoStateDir({ HOME: '/home/u' }), '/home/u/.local/state/webdispatcher/demos');
  assert.equal(demoStateDir({ XDG_STATE_HOME: 'relative', HOME: '/home/u' }), '/home/u/.local/state/webdispatcher/demos');
});

test('one file per demo, private to the user; removing one leaves the other, and only its owner removes it', (t) => {
  const env = stateEnv(t);
  const a = writeDemoState(demo(41001, process.pid), env);
  writeDemoState(demo(41002, process.pid), env);
  assert.equal(statSync(a).mode & 0o777, 0o600);
  assert.equal(statSync(demoStateDir(env)).mode & 0o777, 0o700);
  assert.deepEqual(liveDemos(env).map((d) => d.opsPort), [41001, 41002]);
  removeDemoState(41001, env, process.pid + 1);
  assert.ok(existsSync(a), 'a process that did not write the file leaves it (a later demo on the same port)');
  removeDemoState(41001, env);
  assert.deepEqual(liveDemos(env).map((d) => d.opsPort), [41002]);
  assert.deepEqual(readdirSync(demoStateDir(env)), ['41002.json'], 'no temporary file is left');
});

test('the CLI uses the one live demo, refuses to pick among several, takes --demo PORT, and ignores dead ones', (t) => {
  const env = stateEnv(t);
  assert.throws(() => resolveOps('locate', {}, env), (e: unknown) => e instanceof UsageError && /no demo is running/.test(e.message));
  writeDemoState(demo(42001, deadPid()), env);
  assert.throws(() => resolveOps('locate', {}, env), /no demo is running/, 'a demo that crashed is not used');
  writeDemoState(demo(42002, process.pid), env);
  assert.deepEqual(resolveOps('locate', {}, env), { opsUrl: 'http://127.0.0.1:42002', opsToken: 'token-42002', demo: demo(42002, process.pid) });
  writeDemoState(demo(42003, process.pid), env);
  assert.throws(() => resolveOps('migrate', {}, env), (e: unknown) => e instanceof UsageError && e.command === 'migrate'
    && e.message === '2 demos are running (ops ports 42002, 42003): pick one with --demo PORT, or give --ops-url and --ops-token');
  assert.equal(resolveOps('locate', { demo: '42003' }, env).opsToken, 'token-42003');
  assert.throws(() => resolveOps('locate', { demo: '42001' }, env), /no running demo has ops port 42001 \(running: 42002, 42003\)/);
  // Flags and the environment come before any demo; a demo's own URL finds its token.
  assert.deepEqual(resolveOps('locate', { 'ops-url': 'http://10.0.0.1:9', 'ops-token': 'x' }, env), { opsUrl: 'http://10.0.0.1:9', opsToken: 'x', demo: undefined });
  assert.equal(resolveOps('locate', {}, { ...env, WEBDISPATCHER_OPS_URL: 'http://10.0.0.2:9', WEBDISPATCHER_OPS_TOKEN: 'y' }).opsUrl, 'http://10.0.0.2:9');
  assert.equal(resolveOps('locate', { 'ops-url': 'http://127.0.0.1:42003' }, env).opsToken, 'token-42003');
  assert.equal(resolveOps('locate', { demo: '42002', token: 'older-name' }, env).opsToken, 'older-name', '--token is --ops-token\'s older name');
  assert.throws(() => resolveOps('locate', { demo: '42002', token: 'a', 'ops-token': 'b' }, env), /--ops-token and --token \(its older name\) differ/);
  assert.throws(() => resolveOps('locate', { 'ops-url': 'http://10.0.0.1:9' }, env), /no --ops-token for http:\/\/10\.0\.0\.1:9/);
  assert.throws(() => resolveOps('locate', { 'ops-url': 'x', demo: '42002' }, env), /--demo or --ops-url, not both/);
});

test('two demos side by side each keep their own addresses; stopping one removes only its file', { timeout: 180_000 }, async (t) => {
  const env = cliEnv(t);
  const [a, b] = await Promise.all([startDemo(t, env), startDemo(t, env)]);
  assert.notEqual(a.ready.ops.port, b.ready.ops.port);
  const files = readdirSync(join(env.XDG_STATE_HOME!, 'webdispatcher', 'demos')).sort();
  assert.deepEqual(files, [`${a.ready.ops.port}.json`, `${b.ready.ops.port}.json`].sort());
  assert.equal(a.ready.state, join(env.XDG_STATE_HOME!, 'webdispatcher', 'demos', `${a.ready.ops.port}.json`));

  const several = await runCli(['locate', '--customer', '1'], env);
  assert.equal(several.code, 2);
  assert.match(several.stderr, /^webdispatcher locate: 2 demos are running \(ops ports \d+, \d+\): pick one with --demo PORT[^\n]*\n$/);

  // John moves in demo A only: A's addresses were used for every step, B never saw the move.
  const moved = await runCli(['migrate', '--customer', '1', '--demo', String(a.ready.ops.port)], env);
  assert.equal(moved.code, 0, moved.stdout + moved.stderr);
  const inA = await runCli(['locate', '--customer', '1', '--demo', String(a.ready.ops.port)], env);
  const inB = await runCli(['locate', '--customer', '1', '--demo', String(b.ready.ops.port)], env);
  assert.equal((JSON.parse(inA.stdout) as { system: string }).system, 'target');
  assert.equal((JSON.parse(inB.stdout) as { system: string }).system, 'source');

  assert.equal(await a.stop(), 0);
  assert.deepEqual(readdirSync(join(env.XDG_STATE_HOME!, 'webdispatcher', 'demos')), [`${b.ready.ops.port}.json`]);
  // With one demo left, the CLI finds it without flags.
  const alone = await runCli(['locate', '--customer', '1'], env);
  assert.equal(alone.code, 0, alone.stderr);
  assert.equal((JSON.parse(alone.stdout) as { system: string }).system, 'source');
  assert.equal(await b.stop(), 0);
  assert.deepEqual(readdirSync(join(env.XDG_STATE_HOME!, 'webdispatcher', 'demos')), []);
});
