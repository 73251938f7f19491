/**
 * Tooling the benchmark needs from the machine (nginx, wrk), free loopback ports, and the
 * machine/run facts every result is stamped with.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/** Facts that make a result comparable (or not) with another run. */
export interface MachineInfo {
  date: string;
  commit: string;
  cpuModel: string;
  cores: number;
  node: string;
  nginx: string;
  wrk: string;
  os: string;
  /** 1-minute load average when the run started (others' work on a shared machine shows here). */
  loadAverage: number;
}

function which(cmd: string): string | undefined {
  const res = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const path = res.stdout.trim();
  return res.status === 0 && path !== '' ? path : undefined;
}

/**
 * Waits for the dpkg/apt lock: another apt-get may be running in the background on a fresh
 * machine, and racing it fails the install. Bounded to `timeoutMs`.
 */
async function waitForDpkgLock(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // '[u]' keeps pgrep -f from matching this very shell command line.
    const res = spawnSync('sh', ['-c', "pgrep -x apt-get || pgrep -x apt || pgrep -x dpkg || pgrep -f '[u]nattended-upgr'"], { encoding: 'utf8' });
    if (res.status !== 0 || res.stdout.trim() === '') return;
    process.stderr.write('bench: waiting for a running apt/dpkg to finish…\n');
    await sleep(3000);
  }
  throw new Error(`bench: dpkg lock still held after ${Math.round(timeoutMs / 1000)} s`);
}

/** Installs nginx and wrk with apt-get when they are missing (Debian/Ubuntu). Returns the commands run. */
export async function ensureTools(): Promise<string[]> {
  const missing = ['nginx', 'wrk'].filter((t) => which(t) === undefined);
  if (missing.length === 0) return [];
  if (which('apt-get') === undefined) {
    throw new Error(`bench: ${missing.join(', ')} missing and apt-get is not available: install them first`);
  }
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const commands: string[] = [];
  // Bounded retries: the lock can be taken again between our check and apt-get's own check.
  for (let attempt = 1; attempt <= 5; attempt++) {
    await waitForDpkgLock(10 * 60_000);
    const args = [...sudo, 'apt-get', 'install', '-y', '--no-install-recommends', ...missing];
    commands.push(args.join(' '));
    const res = spawnSync(args[0]!, args.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (res.status === 0) break;
    if (attempt === 1) {
      // A fresh container often has no package lists yet.
      spawnSync(sudo[0] ?? 'apt-get', sudo.length ? ['apt-get', 'update'] : ['update'], { stdio: 'inherit' });
      commands.push([...sudo, 'apt-get', 'update'].join(' '));
    }
    await sleep(2000);
  }
  const still = ['nginx', 'wrk'].filter((t) => which(t) === undefined);
  if (still.length > 0) throw new Error(`bench: could not install ${still.join(', ')}`);
  return commands;
}

/** Absolute path of the nginx binary (Debian puts it in /usr/sbin, often not on a user's PATH). */
export function nginxBinary(): string {
  return which('nginx') ?? '/usr/sbin/nginx';
}

function firstLine(cmd: string, args: string[]): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${res.stdout ?? ''}${res.stderr ?? ''}`.split('\n')[0]?.trim() ?? '';
}

/** Date, commit, CPU, cores and tool versions of this run. */
export function machineInfo(): MachineInfo {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    if (dirty !== '') commit += ' (+ uncommitted changes)';
  } catch { /* not a git checkout */ }
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    commit,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    node: process.version,
    nginx: firstLine(nginxBinary(), ['-v']).replace(/^nginx version:\s*/, ''),
    wrk: firstLine('wrk', ['-v']).replace(/\s+Copyright.*$/, ''),
    os: firstLine('uname', ['-srm']),
    loadAverage: loadavg()[0] ?? NaN,
  };
}

/**
 * A free TCP port on 127.0.0.1 for a program that cannot be told to listen on port 0 (nginx).
 * The port is released before the caller binds it; the race with another process is accepted.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  if (port === 0) throw new Error('bench: could not find a free port');
  return port;
}
