import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LabProcess } from './lab-process.ts';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries Debian installed (`/usr/lib/postgresql/<major>/bin`). */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const m of majors) if (existsSync(join(root, m, 'bin', 'postgres'))) return join(root, m, 'bin');
  return undefined;
}

/**
 * A PostgreSQL of its own for one cluster run: initdb into `dir` (owned by the `postgres` user,
 * because the server refuses to run as root), trust authentication, durability off (a test
 * database), listening only on `address` inside namespace `ns`.
 */
export async function startPostgres(ns: string, address: string, dir: string): Promise<{ process: LabProcess; url: string }> {
  const bin = postgresBin();
  if (bin === undefined) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin');
  const data = join(dir, 'pgdata');
  mkdirSync(data, { mode: 0o700 });
  const { uid, gid } = await postgresUser();
  chownSync(data, uid, gid);
  try {
    await run('runuser', ['-u', 'postgres', '--', join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'], { timeout: 60_000 });
  } catch (err) {
    throw new Error(`initdb failed: ${String((err as { stderr?: string }).stderr ?? err)}`);
  }
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 0.0.0.0/0 trust\n');
  const pg = LabProcess.start('postgres', ns, 'runuser', ['-u', 'postgres', '--', join(bin, 'postgres'), '-D', data,
    '-c', `listen_addresses=${address}`, '-c', 'port=5432', '-c', `unix_socket_directories=${data}`,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    '-c', 'shared_buffers=32MB', '-c', 'log_min_messages=warning', '-c', 'log_min_error_statement=panic']);
  await pg.waitForLine((l) => l.includes('database system is ready to accept connections'), 30_000);
  return { process: pg, url: `postgres://postgres@${address}:5432/postgres` };
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['-u', 'postgres']).catch(() => { throw new Error('no "postgres" user: install postgresql (Debian creates the user)'); });
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid: Number(stdout.trim()), gid };
}

/** A Redis of its own: no persistence, listening only on `address` inside namespace `ns`. */
export async function startRedis(ns: string, address: string, dir: string): Promise<{ process: LabProcess; url: string }> {
  const redis = LabProcess.start('redis', ns, 'redis-server', ['--bind', address, '--port', '6379', '--save', '', '--appendonly', 'no',
    '--protected-mode', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'notice']);
  await redis.waitForLine((l) => l.includes('Ready to accept connections'), 20_000);
  return { process: redis, url: `redis://${address}:6379` };
}
