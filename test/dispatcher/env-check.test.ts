import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator, type SimulatorInstance } from '../../src/sim/simulator.ts';
import { startDispatcher, type RunningDispatcher } from '../../src/app/create-dispatcher.ts';
import { testConfig, call, login } from '../helpers/stack.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import type { AfterHook } from '../helpers/sim.ts';

const exec = promisify(execFile);
const bin = new URL('../../bin/webdispatcher.js', import.meta.url).pathname;
const SERVICE = { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token };

interface Sims { env3: SimulatorInstance; env8: SimulatorInstance }

async function sims(t: AfterHook): Promise<Sims> {
  const env3 = await createSimulator({ role: 'source', env: 3, customers: 10, seed: 1 });
  t.after(() => env3.close());
  const env8 = await createSimulator({ role: 'target', env: 8, customers: 5, seed: 1 });
  t.after(() => env8.close());
  return { env3, env8 };
}

/** A dispatcher whose source is `source` configured as `sourceEnv`, and likewise the target. */
async function dispatcher(t: AfterHook, source: SimulatorInstance, sourceEnv: number, target: SimulatorInstance, targetEnv: number, serviceLogin = true, atStart = true): Promise<RunningDispatcher> {
  const d = await startDispatcher(testConfig({ env: sourceEnv, urls: source.urls }, { env: targetEnv, urls: target.urls }, {
    envCheck: { refreshMs: 0, atStart }, log: { level: 'silent' }, ops: { serviceLogin: serviceLogin ? SERVICE : undefined },
  }));
  t.after(() => d.close());
  return d;
}

interface Readyz { status: number; json: { status: string; checks: Record<string, string>; environments?: Record<string, { status: string; configured: number; observed: number | null; message: string }> } }

async function readyz(d: RunningDispatcher): Promise<Readyz> {
  const res = await fetch(`${d.urls.ops!}/readyz`);
  return { status: res.status, json: (await res.json()) as Readyz['json'] };
}

test('a correct mapping is ready, each system verified', { timeout: 60_000 }, async (t) => {
  const { env3, env8 } = await sims(t);
  const d = await dispatcher(t, env3, 3, env8, 8);
  const r = await readyz(d);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.checks.environments, 'ok');
  assert.deepEqual(r.json.environments?.source, { system: 'source', configured: 3, observed: 3, status: 'verified', message: 'the source system answers i_env 3, as configured' });
  assert.equal(r.json.environments?.target?.status, 'verified');
  const metrics = await (await fetch(`${d.urls.ops!}/metrics`)).text();
  assert.match(metrics, /webdispatcher_env_verified\{status="verified",system="target"\} 1/);
});

test('environments swapped: not ready, naming each system, the configured and the answered i_env', { timeout: 60_000 }, async (t) => {
  const { env3, env8 } = await sims(t);
  const d = await dispatcher(t, env3, 8, env8, 3);
  const r = await readyz(d);
  assert.equal(r.status, 503);
  assert.equal(r.json.status, 'not ready');
  assert.equal(r.json.checks.environments, 'the source system is configured as i_env 8 but answers i_env 3; the target system is configured as i_env 3 but answers i_env 8');
  assert.equal(r.json.environments?.source?.status, 'mismatch');
  assert.equal(r.json.checks.directory, 'ok', 'the other checks still pass: the environments alone make it not ready');
});

test('a wrong env for the target: not ready, saying so; a context switch there is refused, to the verified source it goes', { timeout: 60_000 }, async (t) => {
  const { env3, env8 } = await sims(t);
  const d = await dispatcher(t, env3, 3, env8, 9);
  const r = await readyz(d);
  assert.equal(r.status, 503);
  assert.equal(r.json.checks.environments, 'the target system is configured as i_env 9 but answers i_env 8');
  assert.equal(r.json.environments?.source?.status, 'verified');

  const admin = d.urls.admin!;
  const token = await login(admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const set = await call(admin, 'Session/set_session_context', { i_env: 9 }, token);
  assert.equal(set.status, 500);
  assert.equal(set.json.faultcode, 'Server.Dispatcher.env_unverified');
  assert.equal(set.json.faultstring, 'Cannot switch the session to i_env 9: the environment of the target system is not verified (the target system is configured as i_env 9 but answers i_env 8)');
  // A call naming the i_env (rule 6's sticky switch) is refused the same way, and runs nowhere.
  const byEnv = await call(admin, 'Env/get_env_info', { i_env: 9 }, token);
  assert.equal(byEnv.json.faultcode, 'Server.Dispatcher.env_unverified', JSON.stringify(byEnv.json));
  const ctx = await call(admin, 'Session/get_session_context', {}, token);
  assert.equal(ctx.json.system, 'source', 'the context did not move');
  const toSource = await call(admin, 'Session/set_session_context', { i_env: 3 }, token);
  assert.equal(toSource.status, 200, JSON.stringify(toSource.json));
});

test('a correct mapping lets a session switch to the target by i_env', { timeout: 60_000 }, async (t) => {
  const { env3, env8 } = await sims(t);
  const d = await dispatcher(t, env3, 3, env8, 8);
  assert.equal((await readyz(d)).status, 200);
  const admin = d.urls.admin!;
  const token = await login(admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const set = await call(admin, 'Session/set_session_context', { i_env: 8 }, token);
  assert.equal(set.status, 200, JSON.stringify(set.json));
  assert.equal(set.json.system, 'target');
});

test('without a service login the mapping is unchecked: ready, saying so, and switches are not refused', { timeout: 60_000 }, async (t) => {
  const { env3, env8 } = await sims(t);
  const d = await dispatcher(t, env3, 3, env8, 8, false);
  const r = await readyz(d);
  assert.equal(r.status, 200);
  assert.equal(r.json.environments?.target?.status, 'unchecked');
  assert.match(r.json.environments?.target?.message ?? '', /not checked \(no ops\.serviceLogin\)/);
  const admin = d.urls.admin!;
  const token = await login(admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  assert.equal((await call(admin, 'Session/set_session_context', { i_env: 8 }, token)).status, 200);
});

test('with no check at start, an admin login teaches each system its i_env: switches go, a wrong mapping is refused', { timeout: 60_000 }, async (t) => {
  const { env3, env8 } = await sims(t);
  const metricsOf = async (d: RunningDispatcher) => (await fetch(`${d.urls.ops!}/metrics`)).text();
  const right = await dispatcher(t, env3, 3, env8, 8, true, false);
  assert.match(await metricsOf(right), /webdispatcher_env_verified\{status="unverified",system="target"\} 0/, 'not asked yet');
  const admin = right.urls.admin!;
  const token = await login(admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  assert.match(await metricsOf(right), /webdispatcher_env_verified\{status="verified",system="target"\} 1/, 'the login showed i_env 8');
  const set = await call(admin, 'Session/set_session_context', { i_env: 8 }, token);
  assert.equal(set.status, 200, JSON.stringify(set.json));

  // No service login at all, and the target configured as 9: its login answers 8, so it is a mismatch.
  const wrong = await dispatcher(t, env3, 3, env8, 9, false, false);
  const wAdmin = wrong.urls.admin!;
  const wToken = await login(wAdmin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const refused = await call(wAdmin, 'Session/set_session_context', { i_env: 9 }, wToken);
  assert.equal(refused.json.faultcode, 'Server.Dispatcher.env_unverified', JSON.stringify(refused.json));
  assert.match(String(refused.json.faultstring), /configured as i_env 9 but answers i_env 8/);
  assert.equal((await readyz(wrong)).status, 503, 'a mapping known wrong makes the node not ready');
});

test('check-config --probe: exit 0 when verified, 1 naming the system when swapped, 2 without a service login', { timeout: 90_000 }, async (t) => {
  const { env3, env8 } = await sims(t);
  const dir = mkdtempSync(join(tmpdir(), 'wd-envcheck-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const probe = async (sourceEnv: number, targetEnv: number, serviceLogin: boolean) => {
    const file = join(dir, `c-${sourceEnv}-${targetEnv}-${serviceLogin}.yaml`);
    // JSON is YAML.
    writeFileSync(file, JSON.stringify({
      systems: { source: { env: sourceEnv, urls: env3.urls }, target: { env: targetEnv, urls: env8.urls } },
      ops: { token: 'x'.repeat(24), ...(serviceLogin ? { serviceLogin: SERVICE } : {}) },
      sessions: { secret: 's'.repeat(24) },
    }));
    try {
      const r = await exec(process.execPath, [bin, 'check-config', file, '--probe'], { env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' }, timeout: 60_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const ok = await probe(3, 8, true);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^source: verified: the source system answers i_env 3, as configured$/m);
  const swapped = await probe(8, 3, true);
  assert.equal(swapped.code, 1, swapped.stdout + swapped.stderr);
  assert.match(swapped.stdout, /^target: mismatch: the target system is configured as i_env 3 but answers i_env 8$/m);
  assert.match(swapped.stderr, /environment mapping is wrong/);
  const unchecked = await probe(3, 8, false);
  assert.equal(unchecked.code, 2, unchecked.stdout + unchecked.stderr);
  assert.match(unchecked.stdout, /source: unchecked/);
});
