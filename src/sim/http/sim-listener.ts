import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimListener } from '../contract.ts';
import type { FaultSettings } from '../control/fault-injector.ts';
import { writeReplyFault } from '../control/reply-faults.ts';
import { simFault } from '../api/sim-faults.ts';
import { jsonFault, type SimHttpResponse, type SimHttpRoute } from './sim-http.ts';

/** Default request body cap. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Past this, an oversized body is not even drained: the connection is closed. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

function clientIpOf(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/**
 * One HTTP listener of a simulated system: reads bodies within a cap, applies injected faults,
 * and hands requests to its mounted routes. Never lets a request crash the process.
 */
export class SimHttpListener {
  readonly name: SimListener;
  /** Mounted handlers, tried in order. Others may push more (SOAP, portal, CPE files). */
  readonly routes: SimHttpRoute[] = [];
  readonly #faults: () => FaultSettings;
  readonly #maxBody: number;
  readonly #host: string;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;

  constructor(name: SimListener, o: { host: string; maxBodyBytes: number; faults: () => FaultSettings }) {
    this.name = name;
    this.#host = o.host;
    this.#maxBody = o.maxBodyBytes;
    this.#faults = o.faults;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://${this.#host}:${this.#port}`;
  }

  get listening(): boolean {
    return this.#server?.listening ?? false;
  }

  /** Starts listening (port 0 = ephemeral; a resumed listener reuses its first port). */
  async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.#onRequest(req, res).catch(() => {
        if (!res.headersSent) this.#send(res, jsonFault(simFault('internal', 'Internal error')));
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    server.listen(port, this.#host);
    await once(server, 'listening');
    const addr = server.address();
    if (addr && typeof addr === 'object') this.#port = addr.port;
    this.#server = server;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Destroys every open connection (reset outage). */
  resetConnections(): void {
    for (const s of this.#sockets) s.destroy();
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const method = req.method ?? 'GET';
    const route = this.routes.find((r) => r.matches(method, rawPath));
    const faults = this.#faults();
    if (!route?.control && faults.outage !== 'none') {
      req.socket.destroy();
      return;
    }
    if (!route) {
      req.resume();
      this.#send(res, { ...jsonFault(simFault('unknownMethod', `No such endpoint: ${method} ${rawPath.slice(0, 200)}`)), status: 404 });
      return;
    }
    const body = await this.#readBody(req);
    if (body === 'too-large') {
      res.setHeader('connection', 'close');
      this.#send(res, route.fault(simFault('requestTooLarge', `The request body is larger than ${this.#maxBody} bytes`)));
      return;
    }
    if (body === 'aborted') return;
    if (!route.control) {
      const delay = faults.latency_ms + (faults.jitter_ms > 0 ? Math.random() * faults.jitter_ms : 0);
      if (delay > 0) await sleep(delay);
      if (faults.reply !== 'none') {
        writeReplyFault(faults.reply, req.socket);
        return;
      }
      if (faults.error_rate > 0 && Math.random() < faults.error_rate) {
        this.#send(res, route.fault(simFault('injected', 'Injected error (fault injection error_rate)')));
        return;
      }
    }
    const reply = await route.handle({ listener: this.name, method, rawPath, query, headers: req.headers, body, clientIp: clientIpOf(req) });
    this.#send(res, reply);
  }

  #readBody(req: IncomingMessage): Promise<Buffer | 'too-large' | 'aborted'> {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > DRAIN_LIMIT_BYTES) return Promise.resolve('too-large');
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= this.#maxBody) chunks.push(chunk);
        else if (size > DRAIN_LIMIT_BYTES && !settled) {
          settled = true;
          resolve('too-large');
        }
      });
      req.on('end', () => {
        if (settled) return;
        settled = true;
        resolve(size > this.#maxBody ? 'too-large' : Buffer.concat(chunks));
      });
      req.on('close', () => {
        if (settled) return;
        settled = true;
        resolve('aborted');
      });
    });
  }

  #send(res: ServerResponse, r: SimHttpResponse): void {
    if (res.headersSent || res.destroyed) return;
    if (typeof r.body !== 'string' && !Buffer.isBuffer(r.body)) {
      const stream = r.body;
      res.writeHead(r.status, r.headers);
      stream.on('error', () => res.destroy());
      res.on('close', () => stream.destroy());
      stream.pipe(res);
      return;
    }
    const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    res.writeHead(r.status, { ...r.headers, 'content-length': String(body.length) });
    res.end(body);
  }
}
