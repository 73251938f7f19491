import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import type { FaultSettings } from '../control/fault-injector.ts';
import { writeReplyFault } from '../control/reply-faults.ts';

/** A browser or phone request as a simulator web route sees it (body read within a cap). */
export interface WebRequest {
  method: string;
  /** Raw request target path (not decoded), without the query string. */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  clientIp: string;
}

export interface WebResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /** Omitted for 304 replies; a HEAD reply carries it too (only its length is sent). */
  body?: string | Buffer;
}

export type WebHandler = (req: WebRequest) => WebResponse | Promise<WebResponse>;

/** Forms and phone requests are tiny; anything larger is refused. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * One plain HTTP listener of a simulated system for its web faces (self-care portal, CPE files):
 * unlike the API listeners it speaks HTML/text, not PortaBilling faults. Injected outages and
 * latency apply here too, so a dispatcher test can take a system's portal down.
 */
export class WebListener {
  readonly #handler: WebHandler;
  readonly #host: string;
  readonly #faults: () => FaultSettings;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;

  constructor(handler: WebHandler, o: { host: string; faults: () => FaultSettings }) {
    this.#handler = handler;
    this.#host = o.host;
    this.#faults = o.faults;
  }

  get url(): string {
    return `http://${this.#host}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.#onRequest(req, res).catch(() => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end('Internal error\n');
        } else res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.listen(port, this.#host);
    await once(server, 'listening');
    const addr = server.address();
    if (addr && typeof addr === 'object') this.#port = addr.port;
    this.#server = server;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const faults = this.#faults();
    if (faults.outage !== 'none') {
      req.socket.destroy();
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const body = await readBody(req);
    if (body === undefined) {
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end('Request body too large\n');
      return;
    }
    const delay = faults.latency_ms + (faults.jitter_ms > 0 ? Math.random() * faults.jitter_ms : 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (faults.reply !== 'none') {
      writeReplyFault(faults.reply, req.socket, 'html');
      return;
    }
    const ip = req.socket.remoteAddress ?? '';
    const reply = await this.#handler({
      method: req.method ?? 'GET',
      rawPath: q < 0 ? url : url.slice(0, q),
      query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
      headers: req.headers,
      body,
      clientIp: ip.startsWith('::ffff:') ? ip.slice(7) : ip,
    });
    const payload = reply.body === undefined ? undefined : typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
    const headers: Record<string, string | string[]> = { ...reply.headers };
    // HEAD announces the length a GET would send.
    if (payload !== undefined) headers['content-length'] = String(payload.length);
    res.writeHead(reply.status, headers);
    res.end(req.method === 'HEAD' ? undefined : payload);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('close', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
  });
}
