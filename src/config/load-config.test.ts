import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { validateConfig, ConfigError, loadConfigFile } from './load-config.ts';

const urls = (p: number) => ({ admin: `http://127.0.0.1:${p}`, reseller: `http://127.0.0.1:${p + 1}`, customer: `http://127.0.0.1:${p + 2}`, account: `http://127.0.0.1:${p + 3}`, portasip: `http://127.0.0.1:${p + 4}` });
const SECRETS = { ops: { token: 'ops-token-for-tests' }, sessions: { secret: 'a-session-secret-for-tests' } };
const minimal = () => ({ systems: { source: { env: 3, urls: urls(9000) }, target: { env: 8, urls: urls(9100) } }, ...SECRETS });

test('a minimal config gets documented defaults and is frozen', () => {
  const c = validateConfig(minimal());
  assert.equal(c.routing.defaultContext, 'source');
  assert.equal(c.routing.paging, 'per-system');
  assert.equal(c.routing.unknownOdd, 'assume-source');
  assert.deepEqual(c.routing.listMerge, ['Customer/get_customer_list']);
  assert.equal(c.directory.store, 'sqlite');
  assert.equal(c.sessions.store, 'memory');
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.routing));
});

test('every problem of a config is reported at once, with the value seen', () => {
  const bad = {
    systems: { source: { env: 3, urls: { ...urls(9000), admin: 'ftp://x' } }, target: { env: 3 } },
    routing: { paging: 'sometimes', defaultContext: 'middle' },
    timeouts: { connectMs: -5 },
    workers: 2,
    bogus: true,
  };
  let err: unknown;
  try {
    validateConfig(bad);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError);
  const text = err.problems.join('\n');
  for (const expected of ['bogus: unknown setting', 'systems.source.urls.admin', 'systems.target.urls: is required', 'different env ids', 'routing.paging', '"sometimes"', 'routing.defaultContext', 'timeouts.connectMs', 'workers > 1 needs a shared session store']) {
    assert.ok(text.includes(expected), `missing problem "${expected}" in:\n${text}`);
  }
  assert.ok(err.problems.length >= 8);
});

test('check-config exits 1 and lists the problems of a bad file, 0 for a good one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wd-config-'));
  const good = join(dir, 'good.yaml');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(good, `systems:\n  source: { env: 3, urls: ${JSON.stringify(urls(9000))} }\n  target: { env: 8, urls: ${JSON.stringify(urls(9100))} }\nops: { token: ops-token-for-tests }\nsessions: { secret: a-session-secret-for-tests }\n`);
  writeFileSync(bad, 'systems:\n  source: { env: 0 }\nlisten: { admin: 70000 }\n');
  assert.doesNotThrow(() => loadConfigFile(good));
  const bin = new URL('../../bin/webdispatcher.js', import.meta.url).pathname;
  const ok = spawnSync(process.execPath, [bin, 'check-config', good], { encoding: 'utf8', env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' } });
  assert.equal(ok.status, 0, ok.stderr);
  const ko = spawnSync(process.execPath, [bin, 'check-config', bad], { encoding: 'utf8', env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' } });
  assert.equal(ko.status, 1);
  assert.match(ko.stderr, /listen\.admin/);
  assert.match(ko.stderr, /systems\.target/);
});

test('the documented example config is valid', () => {
  const c = loadConfigFile(new URL('../../config/example.yaml', import.meta.url).pathname);
  assert.equal(c.workers, 2);
  assert.equal(c.sessions.store, 'redis');
  assert.deepEqual(c.security.allow['admin:billing-robot'], ['10.1.2.3']);
});

test('console watchers: documented periods by default, 0 turns one off, a tiny period is refused', () => {
  const d = validateConfig(minimal());
  assert.deepEqual([d.ops.checkIntervalMs, d.ops.totalsIntervalMs, d.ops.trafficStepMs], [10_000, 60_000, 10_000]);
  const off = validateConfig({ ...minimal(), ops: { ...SECRETS.ops, checkIntervalMs: 0, totalsIntervalMs: 0, trafficStepMs: 0 } });
  assert.deepEqual([off.ops.checkIntervalMs, off.ops.totalsIntervalMs, off.ops.trafficStepMs], [0, 0, 0]);
  assert.throws(() => validateConfig({ ...minimal(), ops: { ...SECRETS.ops, checkIntervalMs: 5 } }),
    (e: unknown) => e instanceof ConfigError && e.message.includes('ops.checkIntervalMs: must be 0 (off) or at least 100, got 5'));
});
