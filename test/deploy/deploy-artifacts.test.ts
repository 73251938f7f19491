import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { loadConfigFile } from '../../src/config/load-config.ts';
import { CLUSTER_PORTS, HAPROXY_CONFIG } from '../../scripts/cluster/lab-haproxy.ts';

// Docker cannot run on the machines this suite runs on: the image and the compose file are
// checked for what they promise (stages, user, health check, wiring), not built or started.
const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/webdispatcher.js', import.meta.url));
const read = (f: string) => readFileSync(join(DEPLOY, f), 'utf8');
const hasTool = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

type Service = { image?: string; volumes?: string[]; environment?: Record<string, string>; networks?: unknown; stop_grace_period?: string; user?: string; read_only?: boolean; cap_drop?: string[]; security_opt?: string[] };
const compose = () => parseYaml(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> };
const nodeConfig = () => loadConfigFile(join(DEPLOY, 'webdispatcher.cluster.yaml'));

test('the compose file\'s dispatcher config passes check-config', () => {
  const r = spawnSync(process.execPath, [BIN, 'check-config', join(DEPLOY, 'webdispatcher.cluster.yaml')], { encoding: 'utf8', env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' } });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /configuration is valid/);
});

test('compose: three nodes with that config behind HAProxy, sharing the Redis and PostgreSQL it names', () => {
  const { services } = compose();
  const config = nodeConfig();
  assert.deepEqual(Object.keys(services).sort(), ['haproxy', 'node1', 'node2', 'node3', 'postgres', 'redis']);
  const mountTarget = '/etc/webdispatcher/webdispatcher.yaml';
  for (const name of ['node1', 'node2', 'node3']) {
    const s = services[name]!;
    assert.ok(s.volumes?.includes(`./webdispatcher.cluster.yaml:${mountTarget}:ro`), `${name} mounts the checked config read-only`);
    assert.equal(s.read_only, true, `${name}: read-only root file system`);
    assert.deepEqual(s.cap_drop, ['ALL']);
    assert.ok(s.security_opt?.includes('no-new-privileges:true'));
    const grace = Number(/^(\d+)s$/.exec(s.stop_grace_period ?? '')?.[1]);
    assert.ok(grace * 1000 > config.shutdown.notReadyMs + config.shutdown.timeoutMs, `${name}: docker waits out the graceful stop (${s.stop_grace_period})`);
  }
  const lb = services.haproxy!;
  assert.ok(lb.volumes?.includes('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro'), 'HAProxy runs deploy/haproxy.cfg, the harness\'s config');
  assert.deepEqual([lb.environment?.WD_NODE1, lb.environment?.WD_NODE2, lb.environment?.WD_NODE3], ['node1', 'node2', 'node3']);
  const lbAddress = (lb.networks as { cluster: { ipv4_address: string } }).cluster.ipv4_address;
  assert.ok(config.security.trustedProxies.includes(lbAddress), 'the nodes believe HAProxy\'s X-Forwarded-For');
  assert.equal(config.sessions.store, 'redis');
  assert.equal(new URL(config.sessions.redisUrl).hostname, 'redis');
  assert.equal(config.directory.store, 'postgres');
  const db = new URL(config.directory.databaseUrl);
  const pgEnv = services.postgres!.environment!;
  assert.deepEqual([db.hostname, db.username, db.password, db.pathname.slice(1)], ['postgres', pgEnv.POSTGRES_USER, pgEnv.POSTGRES_PASSWORD, pgEnv.POSTGRES_DB]);
});

test('haproxy.cfg: one public port per listener, the nodes\' ports, health checks on /readyz, no replay of requests', () => {
  assert.equal(HAPROXY_CONFIG, join(DEPLOY, 'haproxy.cfg'), 'the harness runs this file');
  const cfg = read('haproxy.cfg');
  const config = nodeConfig();
  const sections = [...cfg.matchAll(/^listen (\w+)\n([\s\S]*?)(?=^listen |(?![\s\S]))/gm)].map((m) => ({ name: m[1]!, body: m[2]! }));
  assert.deepEqual(sections.map((s) => s.name).sort(), Object.keys(CLUSTER_PORTS).sort());
  for (const { name, body } of sections) {
    const port = CLUSTER_PORTS[name as keyof typeof CLUSTER_PORTS];
    assert.equal((config.listen as unknown as Record<string, number>)[name], port, `the nodes listen for ${name} on ${port}`);
    assert.match(body, new RegExp(`bind "\\$\\{WD_PUBLIC_ADDR\\}:${port}"`));
    for (const n of [1, 2, 3]) assert.match(body, new RegExp(`server node${n} "\\$\\{WD_NODE${n}\\}:${port}"`));
    if (name !== 'ops') for (const n of [1, 2, 3]) assert.match(body, new RegExp(`track ops/node${n}`), `${name} follows node${n}'s readiness`);
  }
  assert.match(sections.find((s) => s.name === 'ops')!.body, /option httpchk GET \/readyz/);
  assert.doesNotMatch(cfg, /^\s*retry-on/m, 'only refused connections are retried (the default): a write must not run twice');
  assert.match(cfg, /option redispatch/);
});

test('haproxy -c accepts haproxy.cfg with the compose file\'s environment', (t) => {
  if (!hasTool('haproxy')) {
    if (process.env.CI === 'true') throw new Error('CI requires haproxy');
    t.skip('haproxy is not installed');
    return;
  }
  const env = compose().services.haproxy!.environment!;
  const r = spawnSync('haproxy', ['-c', '-f', join(DEPLOY, 'haproxy.cfg')], { encoding: 'utf8', env: { ...process.env, ...env, WD_NODE1: '127.0.0.1', WD_NODE2: '127.0.0.2', WD_NODE3: '127.0.0.3' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('Dockerfile: multi-stage, runs as a non-root user, health check on /readyz, graceful stop', () => {
  const file = read('Dockerfile');
  const stages = file.split(/^FROM /m).slice(1);
  assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
  const runtime = stages.at(-1)!;
  assert.doesNotMatch(runtime, /npm (ci|install)|g\+\+|COPY src/, 'the runtime stage has no toolchain and no sources');
  const user = /^USER (\S+)/m.exec(runtime)?.[1];
  assert.ok(user !== undefined && user !== 'root' && user !== '0', `the runtime user is not root (${user})`);
  const health = /^HEALTHCHECK [\s\S]*?CMD (.*)$/m.exec(runtime.replace(/\\\n\s*/g, ' '))?.[1] ?? '';
  assert.match(health, new RegExp(`127\\.0\\.0\\.1:${nodeConfig().listen.ops}/readyz`), 'the health check asks the ops listener\'s /readyz');
  assert.match(runtime, /^STOPSIGNAL SIGTERM$/m);
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)?.[1] ?? '[]') as string[];
  assert.deepEqual(cmd, ['start', '--config', '/etc/webdispatcher/webdispatcher.yaml'], 'starts with the config compose mounts');
});

test('systemd unit: hardened (own user, no new privileges, read-only system), graceful stop; systemd-analyze verify', (t) => {
  const unit = read('webdispatcher.service');
  const directive = (name: string) => [...unit.matchAll(new RegExp(`^${name}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
  assert.deepEqual(directive('User'), ['webdispatcher']);
  assert.deepEqual(directive('NoNewPrivileges'), ['yes']);
  assert.deepEqual(directive('ProtectSystem'), ['strict']);
  assert.ok(directive('ReadOnlyPaths')[0]?.includes('/etc/webdispatcher'));
  for (const d of ['ProtectHome', 'PrivateTmp', 'PrivateDevices', 'RestrictSUIDSGID']) assert.deepEqual(directive(d), ['yes'], d);
  assert.deepEqual(directive('CapabilityBoundingSet'), [''], 'no capabilities');
  assert.deepEqual(directive('KillSignal'), ['SIGTERM']);
  const defaults = loadConfigFile(join(DEPLOY, 'webdispatcher.cluster.yaml')).shutdown;
  assert.ok(Number(directive('TimeoutStopSec')[0]) * 1000 > defaults.notReadyMs + defaults.timeoutMs, 'systemd waits out the graceful stop');
  assert.match(directive('ExecStart')[0] ?? '', / start --config \/etc\/webdispatcher\/webdispatcher\.yaml$/);
  if (!hasTool('systemd-analyze')) {
    t.diagnostic('systemd-analyze is not installed: directives checked, verify skipped');
    return;
  }
  // verify also checks that ExecStart's program exists: point it at this machine's node if needed.
  const dir = mkdtempSync(join(tmpdir(), 'wd-unit-'));
  try {
    const path = join(dir, 'webdispatcher.service');
    writeFileSync(path, existsSync('/usr/bin/node') ? unit : unit.replaceAll('/usr/bin/node', process.execPath));
    const r = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stderr.trim(), '', 'no warnings');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
