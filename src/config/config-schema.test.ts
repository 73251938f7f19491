import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { checkConfig, ConfigError, readConfigFile, validateConfig } from './load-config.ts';
import { configReference, configSchemaText } from './config-reference.ts';
import { closest } from '../core/did-you-mean.ts';

const urls = (p: number) => ({ admin: `http://127.0.0.1:${p}`, reseller: `http://127.0.0.1:${p + 1}`, customer: `http://127.0.0.1:${p + 2}`, account: `http://127.0.0.1:${p + 3}`, portasip: `http://127.0.0.1:${p + 4}` });
const base = () => ({
  systems: { source: { env: 3, urls: urls(9000) }, target: { env: 8, urls: urls(9100) } },
  ops: { token: 'ops-token-for-tests' },
  sessions: { secret: 'a-session-secret-for-tests' },
});

function problemsOf(input: unknown): string[] {
  try {
    validateConfig(input);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('the config was accepted');
}

test('unknown keys inside sections are refused with their path and the key meant', () => {
  const problems = problemsOf({
    ...base(),
    routing: { defaultContex: 'target' },
    directory: { cachesize: 10 },
    security: { allow: { admn: ['10.0.0.0/8'] }, loginFailures: { maxx: 3 } },
    systems: { source: { env: 3, urls: { ...urls(9000), admn: 'http://x' } }, target: { env: 8, urls: urls(9100) } },
    logs: { level: 'info' },
  });
  for (const expected of [
    'routing.defaultContex: unknown setting (did you mean defaultContext?)',
    'directory.cachesize: unknown setting (did you mean cacheSize?)',
    'security.loginFailures.maxx: unknown setting (did you mean max?)',
    'systems.source.urls.admn: unknown setting (did you mean admin?)',
    'logs: unknown setting (did you mean log?)',
  ]) assert.ok(problems.includes(expected), `missing "${expected}" in:\n${problems.join('\n')}`);
  assert.ok(problems.some((p) => p.startsWith('security.allow.admn: unknown realm "admn"') && p.endsWith('(did you mean admin?)')), problems.join('\n'));
});

test('a per-login allow key and every realm are accepted; a bare typo far from any word gets no guess', () => {
  const c = validateConfig({ ...base(), security: { allow: { 'admin:robot': ['10.1.2.3'], reseller: ['10.0.0.0/8'], customer: ['::1'], account: ['fd00::/8'], portasip: ['192.168.0.0/16'] } } });
  assert.deepEqual(c.security.allow['admin:robot'], ['10.1.2.3']);
  const problems = problemsOf({ ...base(), zzzzzz: 1 });
  assert.deepEqual(problems, ['zzzzzz: unknown setting']);
});

test('addresses and CIDRs are validated as the allow-lists parse them', () => {
  const problems = problemsOf({ ...base(), security: { allow: { admin: ['10.0.0.300', '10.0.0.0/33', '10.0.0.1/8x', '::1/129', 'fe80::1/64'] }, trustedProxies: ['10.0.0.10', 'lb.example.net'] } });
  assert.deepEqual(problems.sort(), [
    'security.allow.admin[0]: is not an IP address or CIDR, got "10.0.0.300"',
    'security.allow.admin[1]: is not an IP address or CIDR, got "10.0.0.0/33"',
    'security.allow.admin[2]: is not an IP address or CIDR, got "10.0.0.1/8x"',
    'security.allow.admin[3]: is not an IP address or CIDR, got "::1/129"',
    'security.trustedProxies[1]: is not an IP address or CIDR, got "lb.example.net"',
  ].sort());
});

test('ops.token and sessions.secret are required, and a secret is never echoed back', () => {
  const { ops: _o, sessions: _s, ...rest } = base();
  const problems = problemsOf(rest);
  assert.ok(problems.some((p) => p.startsWith('ops.token: is required')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('sessions.secret: is required')), problems.join('\n'));
  const short = problemsOf({ ...base(), ops: { token: 'tiny-secret' }, sessions: { secret: 'hush-hush' } });
  assert.deepEqual(short, ['sessions.secret: must be at least 16 characters', 'ops.token: must be at least 12 characters']);
  assert.ok(!short.join('\n').includes('hush-hush') && !short.join('\n').includes('tiny-secret'));
});

test('settings that have no effect are accepted with a warning naming them', () => {
  const quiet = checkConfig(base());
  assert.deepEqual(quiet.warnings, []);
  const { warnings, config } = checkConfig({
    ...base(),
    systems: { source: { env: 3, urls: { ...urls(9000), portal: 'http://127.0.0.1:9500' } }, target: { env: 8, urls: urls(9100) } },
    listen: { provisioning: 0 },
    sessions: { secret: 'a-session-secret-for-tests', redisUrl: 'redis://127.0.0.1:6390' },
    directory: { store: 'sqlite', databaseUrl: 'postgres://x@127.0.0.1/y' },
    drift: { intervalMs: 0 },
  });
  assert.equal(config.listen.portal, undefined);
  assert.deepEqual(warnings, [
    'systems.source.urls.portal: has no effect without listen.portal: no portal listener is started',
    'listen.provisioning: no system has urls.provisioning: the provisioning listener has nothing to forward to',
    'sessions.redisUrl: has no effect with sessions.store memory',
    'directory.databaseUrl: has no effect with directory.store sqlite',
    "drift: has no effect without ops.serviceLogin (the dispatcher's own admin login)",
  ]);
});

test('check-config prints the problems with their paths (exit 1) and the warnings of a valid file (exit 0)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wd-schema-'));
  const bad = join(dir, 'bad.yaml');
  const noisy = join(dir, 'noisy.yaml');
  const head = `systems:\n  source: { env: 3, urls: ${JSON.stringify({ ...urls(9000), portal: 'http://127.0.0.1:9500' })} }\n  target: { env: 8, urls: ${JSON.stringify(urls(9100))} }\n`;
  writeFileSync(bad, `${head}routing: { defaultContex: target }\ndirectory: { cachesize: 5 }\nsecurity: { allow: { admn: [10.0.0.300] } }\n`);
  writeFileSync(noisy, `${head}ops: { token: ops-token-for-tests }\nsessions: { secret: a-session-secret-for-tests }\n`);
  const bin = new URL('../../bin/webdispatcher.js', import.meta.url).pathname;
  const env = { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' };
  const ko = spawnSync(process.execPath, [bin, 'check-config', bad], { encoding: 'utf8', env });
  assert.equal(ko.status, 1);
  for (const expected of ['routing.defaultContex: unknown setting (did you mean defaultContext?)', 'directory.cachesize: unknown setting (did you mean cacheSize?)',
    'security.allow.admn: unknown realm', 'security.allow.admn[0]: is not an IP address or CIDR, got "10.0.0.300"', 'ops.token: is required', 'sessions.secret: is required']) {
    assert.ok(ko.stderr.includes(expected), `missing "${expected}" in:\n${ko.stderr}`);
  }
  assert.doesNotMatch(ko.stderr, /at .*\.ts:\d+/, 'no stack trace');
  const ok = spawnSync(process.execPath, [bin, 'check-config', noisy], { encoding: 'utf8', env });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /warning: systems\.source\.urls\.portal: has no effect without listen\.portal/);
  assert.match(ok.stdout, /configuration is valid \(1 warning\)/);
});

test('the committed reference and JSON Schema are what the schema generates (npm run config:reference)', () => {
  assert.equal(readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8'), configReference(), 'docs/configuration.md is stale: run npm run config:reference');
  assert.equal(readFileSync(new URL('../../config/webdispatcher.schema.json', import.meta.url), 'utf8'), configSchemaText(), 'config/webdispatcher.schema.json is stale: run npm run config:reference');
});

test('every default in docs/configuration.md is the value the dispatcher runs with', () => {
  const config = validateConfig(base()) as unknown as Record<string, unknown>;
  const rows = configReference().split('\n').filter((l) => l.startsWith('| `'))
    .map((l) => l.split(/(?<!\\)\|/).map((c) => c.trim()))
    .filter((cells) => cells[3]!.startsWith('`'))
    .map((cells) => [cells[1]!.slice(1, -1), cells[3]!.slice(1, -1)] as const);
  assert.ok(rows.length > 50, `the reference lists its defaults (${rows.length})`);
  for (const [path, dflt] of rows) {
    const actual = path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], config);
    assert.deepEqual(actual, JSON.parse(dflt), `${path}: the reference says ${dflt}, the code runs with ${JSON.stringify(actual)}`);
  }
});

test('config/example.yaml is valid, warns about nothing, and says where the defaults are', () => {
  const path = new URL('../../config/example.yaml', import.meta.url).pathname;
  const { config, warnings } = readConfigFile(path);
  assert.deepEqual(warnings, []);
  assert.equal(config.workers, 2);
  assert.match(readFileSync(path, 'utf8'), /NOT a list of defaults[\s\S]*docs\/configuration\.md/);
});

test('did you mean: close typos and case slips, nothing for a word far from all', () => {
  assert.equal(closest('cachesize', ['cacheSize', 'schema']), 'cacheSize');
  assert.equal(closest('defaultContex', ['defaultContext', 'paging']), 'defaultContext');
  assert.equal(closest('admn', ['admin', 'account']), 'admin');
  assert.equal(closest('ipaddr', ['admin', 'account']), undefined);
});
