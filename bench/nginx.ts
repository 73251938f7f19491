/**
 * nginx processes the harness starts and stops: the canned backend and the `proxy_pass` contender.
 * Each gets its own temp prefix (config, pid, error log, temp paths) and runs in the foreground
 * (`daemon off`) as a child of the harness, on a free 127.0.0.1 port.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { once } from 'node:events';
import { freePort, nginxBinary } from './tools.ts';
import { cannedCustomerInfoReply, cannedLoginReply, cannedPingReply, cannedSoapReply } from './canned-replies.ts';

/** A running nginx with the ports it listens on. */
export interface RunningNginx {
  ports: number[];
  /** The master process (its workers are its children). */
  pid: number;
  /** The command line that started it (for the results). */
  command: string;
  /** The generated configuration (for the results). */
  config: string;
  close(): Promise<void>;
}

/** Quotes a reply body for nginx's `return 200 '…'` (single-quoted; `$` would interpolate). */
function nginxString(body: string): string {
  if (body.includes('$')) throw new Error('canned reply must not contain "$"');
  return `'${body.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function commonHead(prefix: string, workers: number): string {
  // As root the workers would otherwise drop to `nobody`, which cannot enter the 0700 temp prefix.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `${user}worker_processes ${workers};
error_log ${prefix}/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections 4096; multi_accept on; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  tcp_nodelay on;
`;
}

async function waitForPort(port: number, child: ChildProcess, prefix: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(20);
  }
  let log = '';
  try { log = readFileSync(join(prefix, 'error.log'), 'utf8'); } catch { /* none */ }
  throw new Error(`nginx did not listen on 127.0.0.1:${port} (exit ${String(child.exitCode)}): ${log.slice(-800)}`);
}

async function startNginx(prefix: string, config: string, ports: number[]): Promise<RunningNginx> {
  const confPath = join(prefix, 'nginx.conf');
  writeFileSync(confPath, config);
  const args = ['-p', prefix, '-c', confPath, '-e', join(prefix, 'error.log'), '-g', 'daemon off;'];
  const child = spawn(nginxBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  try {
    for (const port of ports) await waitForPort(port, child, prefix, 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message} ${stderr}`);
  }
  return {
    ports,
    pid: child.pid ?? 0,
    // The temp prefix differs per run and machine: shown as <prefix>.
    command: `nginx ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ').split(prefix).join('<prefix>')}   # config: ${config.includes('proxy_pass') ? 'proxy_pass' : 'canned replies'}`,
    config,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/**
 * The canned backend: one nginx worker, one `server` per system (source env 3 on the first
 * port, target env 8 on the second), answering any `POST /rest/…` with a fixed reply.
 */
export async function startCannedBackend(opts: { envs?: readonly number[]; workers?: number } = {}): Promise<RunningNginx & { urls: string[] }> {
  const envs = opts.envs ?? [3, 8];
  const prefix = mkdtempSync(join(tmpdir(), 'wd-bench-backend-'));
  const ports: number[] = [];
  for (let i = 0; i < envs.length; i++) ports.push(await freePort());
  const servers = envs.map((env, i) => `  server {
    listen 127.0.0.1:${ports[i]!} backlog=4096;
    default_type application/json;
    location = /rest/Session/login { return 200 ${nginxString(cannedLoginReply(env))}; }
    location = /rest/Session/login/ { return 200 ${nginxString(cannedLoginReply(env))}; }
    location = /rest/Session/ping { return 200 ${nginxString(cannedPingReply())}; }
    location /rest/ { return 200 ${nginxString(cannedCustomerInfoReply(env))}; }
    location /soap/ { default_type 'text/xml; charset=utf-8'; return 200 ${nginxString(cannedSoapReply(env))}; }
    location / { return 404 '{"faultcode":"Server.not_found","faultstring":"no such path"}'; }
  }
`).join('');
  const config = `${commonHead(prefix, opts.workers ?? 1)}${servers}}\n`;
  const nginx = await startNginx(prefix, config, ports);
  return { ...nginx, urls: ports.map((p) => `http://127.0.0.1:${p}`) };
}

/**
 * The nginx `proxy_pass` contender: a path proxy that reads no body and keeps upstream
 * connections alive (`keepalive 64`, HTTP/1.1, `Connection ""`) — the ceiling for any proxy.
 */
export async function startNginxProxy(upstream: string, workers: number): Promise<RunningNginx & { url: string }> {
  const prefix = mkdtempSync(join(tmpdir(), 'wd-bench-proxy-'));
  const port = await freePort();
  const target = new URL(upstream);
  const config = `${commonHead(prefix, workers)}  upstream backend {
    server ${target.hostname}:${target.port};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  const nginx = await startNginx(prefix, config, [port]);
  return { ...nginx, url: `http://127.0.0.1:${port}` };
}
