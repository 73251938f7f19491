/**
 * What HTTP costs in Node on this machine, below the dispatcher: CPU per request of servers that
 * do nothing else, under the same wrk load as S1 (32 connections, one wrk thread, interleaved rounds).
 *
 *   node --import tsx bench/io-floor.ts [--rounds 3] [--seconds 3]
 *
 * - net-echo: a `net` server writing one fixed reply per received chunk (no parsing): one read and
 *   one write per request, the floor of any Node server;
 * - lean-echo: the dispatcher's lean HTTP/1.1 server (src/http) with a route that answers at once;
 * - node-http-echo: node:http answering the same reply;
 * - raw-proxy: a proxy on bare `net` sockets both ways with a minimal parser (picks the upstream by
 *   i_customer parity, one write each way): the floor of a Node proxy, no session, routing or log;
 * - dispatcher: `webdispatcher start`, one worker.
 * The backend of the proxies is the canned nginx (bench/nginx.ts).
 */
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LeanServer } from '../src/http/lean-server.ts';
import { cannedBackend } from './backends.ts';
import { startDispatcher } from './contenders.ts';
import { startReadyProcess } from './ready-process.ts';
import { runWrk } from './wrk.ts';
import { treeCpuSeconds } from './process-cpu.ts';
import { spread } from './stats.ts';

const REPLY_BODY = JSON.stringify({ customer_info: { i_customer: 101, name: 'x'.repeat(600) } });
const HEAD_END = Buffer.from('\r\n\r\n');

function netEcho(): NetServer {
  const reply = Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(REPLY_BODY)}\r\n\r\n${REPLY_BODY}`);
  return createNetServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => undefined);
    // wrk writes one request per write: one chunk, one reply.
    s.on('data', () => s.write(reply));
  });
}

function leanEcho(): NetServer {
  const body = Buffer.from(REPLY_BODY);
  return new LeanServer(createServer(), { accepts: () => true, serve: async () => ({ status: 200, headers: { 'content-type': 'application/json' }, body }) }, { keepAliveTimeoutMs: 65_000, headersTimeoutMs: 30_000, maxBodyBytes: 1 << 20 });
}

function nodeEcho(): NetServer {
  const body = Buffer.from(REPLY_BODY);
  return createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-length', body.length);
      res.end(body);
    });
  });
}

interface Upstream { port: number; host: string; idle: Socket[] }

/** Reads one Content-Length-framed message head+body from `buf`; undefined until complete. */
function frame(buf: Buffer): { head: string; body: Buffer; rest: Buffer | null } | undefined {
  const end = buf.indexOf(HEAD_END);
  if (end < 0) return undefined;
  const head = buf.toString('latin1', 0, end);
  const m = /\r\ncontent-length: *(\d+)/i.exec(head);
  const total = end + 4 + (m === null ? 0 : Number(m[1]));
  if (buf.length < total) return undefined;
  return { head, body: buf.subarray(end + 4, total), rest: buf.length === total ? null : buf.subarray(total) };
}

function rawProxy(source: string, target: string): NetServer {
  const ups: Upstream[] = [source, target].map((u) => { const x = new URL(u); return { port: Number(x.port), host: x.hostname, idle: [] }; });
  const call = (up: Upstream, request: Buffer, done: (head: string, body: Buffer) => void): void => {
    let s = up.idle.pop();
    if (s === undefined) {
      s = connect(up.port, up.host);
      s.setNoDelay(true);
      s.on('error', () => undefined);
    }
    const sock = s;
    let buf: Buffer | null = null;
    const onData = (chunk: Buffer): void => {
      buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
      const f = frame(buf);
      if (f === undefined) return;
      sock.removeListener('data', onData);
      up.idle.push(sock);
      done(f.head, f.body);
    };
    sock.on('data', onData);
    sock.write(request);
  };
  return createNetServer((client) => {
    client.setNoDelay(true);
    client.on('error', () => undefined);
    let buf: Buffer | null = null;
    let busy = false;
    const pump = (): void => {
      if (busy || buf === null) return;
      const f = frame(buf);
      if (f === undefined) return;
      buf = f.rest;
      busy = true;
      const first = f.head.slice(0, f.head.indexOf('\r\n'));
      const path = first.slice(first.indexOf(' ') + 1, first.lastIndexOf(' '));
      const auth = /\r\nauthorization: *([^\r]*)/i.exec(f.head)?.[1] ?? '';
      const id = (JSON.parse(f.body.toString()) as { params: { i_customer: number } }).params.i_customer;
      const up = ups[id % 2 === 0 ? 1 : 0]!;
      const head = `POST ${path} HTTP/1.1\r\nhost: ${up.host}:${up.port}\r\ncontent-type: application/json\r\nauthorization: ${auth}\r\ncontent-length: ${f.body.length}\r\n\r\n`;
      call(up, Buffer.concat([Buffer.from(head, 'latin1'), f.body]), (_h, body) => {
        client.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`, 'latin1'), body]));
        busy = false;
        pump();
      });
    };
    client.on('data', (chunk: Buffer) => {
      buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
      pump();
    });
  });
}

/** Child mode: run one server and print its ready line. */
async function serve(kind: string, source: string, target: string): Promise<void> {
  const server = kind === 'net-echo' ? netEcho() : kind === 'lean-echo' ? leanEcho() : kind === 'node-http-echo' ? nodeEcho() : rawProxy(source, target);
  server.listen(0, '127.0.0.1', () => {
    const port = (server.address() as { port: number }).port;
    process.stdout.write(`${JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}` })}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' }, serve: { type: 'string' }, source: { type: 'string' }, target: { type: 'string' } } });
  if (values.serve !== undefined) return serve(values.serve, values.source ?? '', values.target ?? '');
  const rounds = Math.min(10, Number(values.rounds));
  const seconds = Math.min(10, Number(values.seconds));
  const backend = await cannedBackend();
  const self = fileURLToPath(import.meta.url);
  const children: Array<{ name: string; url: string; pid: number; token: string; close(): void | Promise<void> }> = [];
  try {
    for (const kind of ['net-echo', 'lean-echo', 'node-http-echo', 'raw-proxy']) {
      const p = await startReadyProcess<{ ready: true; url: string }>(process.execPath, ['--import', 'tsx', self, '--serve', kind, '--source', backend.source.urls.admin, '--target', backend.target.urls.admin]);
      children.push({ name: kind, url: p.ready.url, pid: p.pid, token: 'not-checked', close: () => p.close() });
    }
    const d = await startDispatcher(backend, 'dispatcher', { workers: 1 });
    children.push({ name: 'dispatcher (1 worker)', url: d.urls.admin!, pid: d.pid!, token: d.auth.accessToken, close: () => d.close() });
    const cpu = new Map<string, number[]>();
    const rps = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      for (const c of children) {
        const requests = Array.from({ length: 16 }, (_, i) => ({ path: '/rest/Customer/get_customer_info', headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` }, body: JSON.stringify({ params: { i_customer: 101 + i } }) }));
        await runWrk({ url: c.url, requests, durationS: 1, connections: 32 });
        const before = treeCpuSeconds(c.pid);
        const r = await runWrk({ url: c.url, requests, durationS: seconds, connections: 32 });
        const used = treeCpuSeconds(c.pid) - before;
        if (r.errors > 0) throw new Error(`${c.name}: ${r.errors} errors`);
        cpu.set(c.name, [...(cpu.get(c.name) ?? []), (used / r.requests) * 1e6]);
        rps.set(c.name, [...(rps.get(c.name) ?? []), r.rps]);
      }
    }
    process.stdout.write('| server | CPU µs/request, median (min–max) | req/s, median |\n|---|---:|---:|\n');
    for (const c of children) {
      const s = spread(cpu.get(c.name)!);
      process.stdout.write(`| ${c.name} | ${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)}) | ${spread(rps.get(c.name)!).median.toFixed(0)} |\n`);
    }
  } finally {
    for (const c of children) await c.close();
    await backend.close();
  }
}

await main();
