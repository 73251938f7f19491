import { Server as NetServer, type Socket } from 'node:net';
import { STATUS_CODES, type Server as HttpServer } from 'node:http';
import type { Readable } from 'node:stream';
import { hasBareLineFeed, parseRequestHead, type RequestHead } from './request-head.ts';
import { DispatcherFaultCode } from '../core/faults.ts';

/** A complete request served on the lean path. */
export interface LeanRequest {
  method: string;
  url: string;
  /** Lower-case names, each at most once (a request that repeats a header goes to node:http). */
  headers: Record<string, string>;
  body: Buffer;
  remoteAddress: string;
}

export interface LeanReply {
  status: number;
  /** Lower-case names; framing headers (content-length, connection, …) are the server's business. */
  headers: Record<string, string>;
  /** Text, bytes, bytes in pieces (sent in order with one gather write), or a stream. */
  body: string | Buffer | readonly Buffer[] | Readable;
  /** Close the connection after this reply. */
  close?: boolean;
}

export interface LeanRoutes {
  /** Decides on the head alone whether the request is served lean; if not, node:http takes the connection. */
  accepts(method: string, url: string, headers: Record<string, string>): boolean;
  /** Must not reject: faults are replies. */
  serve(req: LeanRequest): Promise<LeanReply>;
}

export interface LeanServerOptions {
  keepAliveTimeoutMs: number;
  /** Longest time a request head may take to arrive once its first byte did (node's headersTimeout). */
  headersTimeoutMs: number;
  /** Longest time a whole request may take to arrive (node's requestTimeout); default: headersTimeoutMs. */
  requestTimeoutMs?: number;
  maxBodyBytes: number;
  maxHeaderBytes?: number;
  /** Counts requests served here and connections handed to node:http (metrics). */
  counters?: { served: { inc(): void }; handedOff: { inc(): void } };
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/** Replies up to this size are copied into one buffer with their head: one write, one syscall. */
const COPY_LIMIT = 16 * 1024;
/** Framing headers the server writes itself. */
const OWN_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);
const NON_ASCII = /[\u0080-\uffff]/;

const INTERNAL_ERROR: LeanReply = { status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ faultcode: DispatcherFaultCode.internal, faultstring: 'Internal error' }), close: true };

const HALF_CLOSED_FAULT = JSON.stringify({ faultcode: DispatcherFaultCode.badRequest, faultstring: 'This request cannot follow a half-closed pipeline: send it on its own connection' });

const statusLines = new Map<number, string>();
function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    if (statusLines.size < 100) statusLines.set(status, line);
  }
  return line;
}

let dateAt = 0;
let dateText = '';
/** The Date header, formatted once per second. */
function httpDate(): string {
  const now = Date.now();
  if (now - dateAt >= 1000) {
    dateAt = now - (now % 1000);
    dateText = new Date(dateAt).toUTCString();
  }
  return dateText;
}

/** Header text is Latin-1 on the wire, as node:http writes it. */
function headBuffer(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/**
 * One client connection on the lean path. Requests are parsed here with a strict, minimal
 * HTTP/1.1 parser and answered in order, one at a time. The first request the lean path does not
 * take (not an accepted API call, unusual framing, anything odd) hands the connection, with the
 * bytes not yet consumed, to the node:http server for the rest of its life: node:http stays the
 * authority on everything but the hot path.
 */
class LeanConnection {
  #socket: Socket;
  #server: LeanServer;
  #buf: Buffer | null = null;
  /** Body chunks of the pending request, joined once the whole body is in. */
  #chunks: Buffer[] = [];
  #chunkBytes = 0;
  #pending: RequestHead | undefined;
  #partialSince = 0;
  #lastActive = 0;
  /** Since when a reply has been waiting for the client to read (socket 'drain'); 0 = not waiting. */
  #stalledSince = 0;
  #busy = false;
  #closed = false;
  #handedOff = false;
  /** The client finished sending (half-close): answer what it sent, then close. */
  #ended = false;
  /** The request being served asked to close the connection after its reply. */
  #closeAfter = false;
  #onData = (chunk: Buffer): void => this.#receive(chunk);
  #onReply = (reply: LeanReply): void => this.#reply(reply, this.#closeAfter);
  #onServeError = (): void => this.#reply(INTERNAL_ERROR, true);
  #onEnd = (): void => {
    this.#ended = true;
    if (!this.#busy) this.#finishEnded();
  };
  #onClose = (): void => {
    this.#closed = true;
    this.#server.live.delete(this.#socket);
  };

  constructor(socket: Socket, server: LeanServer) {
    this.#socket = socket;
    this.#server = server;
    socket.setNoDelay(true);
    this.#lastActive = server.clock;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('error', noop);
  }

  #receive(chunk: Buffer): void {
    this.#lastActive = this.#server.clock;
    if (this.#pending !== undefined && !this.#busy) {
      this.#chunks.push(chunk);
      this.#chunkBytes += chunk.length;
      if (this.#chunkBytes < this.#pending.total) return this.#checkSlow();
      this.#buf = Buffer.concat(this.#chunks, this.#chunkBytes);
      this.#chunks = [];
      this.#chunkBytes = 0;
    } else {
      this.#buf = this.#buf === null ? chunk : Buffer.concat([this.#buf, chunk]);
      if (this.#busy) {
        // Pipelined requests wait for the current one; do not buffer without bound meanwhile.
        if (this.#buf.length > this.#server.options.maxBodyBytes + this.#maxHeader()) this.#socket.pause();
        return;
      }
    }
    this.#pump();
  }

  #maxHeader(): number {
    return this.#server.options.maxHeaderBytes ?? 16 * 1024;
  }

  /** How long the request now arriving may take: the head within the headers timeout, the whole request within the request timeout. */
  #arrivalLimit(): number {
    const o = this.#server.options;
    return this.#pending === undefined ? o.headersTimeoutMs : o.requestTimeoutMs ?? o.headersTimeoutMs;
  }

  /** A request that has been arriving for too long is refused (slow clients hold sockets). */
  #checkSlow(): void {
    if (this.#partialSince !== 0 && this.#server.clock - this.#partialSince > this.#arrivalLimit()) this.#requestTimeout();
  }

  /**
   * Called by the server's sweep: closes idle keep-alive connections and refuses requests that
   * take too long to arrive. One coarse timer per server instead of a socket timer refreshed on
   * every read and write. A call in progress has its own deadlines.
   */
  sweep(now: number): void {
    if (this.#handedOff) return;
    if (this.#closed) {
      // Closing, but the client neither reads the rest nor closes its side: let it go.
      if (now - this.#lastActive > this.#server.options.keepAliveTimeoutMs) this.#socket.destroy();
      return;
    }
    if (this.#busy) {
      // A reply the client does not read for a whole keep-alive period: give up on the client.
      if (this.#stalledSince !== 0 && now - this.#stalledSince > this.#server.options.keepAliveTimeoutMs) this.#socket.destroy();
      return;
    }
    if (this.#partialSince !== 0) {
      if (now - this.#partialSince > this.#arrivalLimit()) this.#requestTimeout();
    } else if (now - this.#lastActive > this.#server.options.keepAliveTimeoutMs) {
      this.#socket.destroy();
    }
  }

  #requestTimeout(): void {
    this.#socket.write('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    this.#close();
  }

  /** Stops reading, drops what was buffered and closes once the replies written so far are out. */
  #close(): void {
    this.#closed = true;
    this.#buf = null;
    this.#chunks = [];
    this.#socket.removeListener('data', this.#onData);
    this.#socket.destroySoon();
  }

  #pump(): void {
    while (!this.#busy && !this.#closed && !this.#handedOff) {
      const buf = this.#buf;
      if (buf === null) {
        this.#partialSince = 0;
        return;
      }
      let head = this.#pending;
      if (head === undefined) {
        const end = buf.indexOf(HEAD_END);
        if (end < 0) {
          // A bare LF can never become a CRLFCRLF head: let node:http refuse it now, not at the headers timeout.
          if (buf.length > this.#maxHeader() || hasBareLineFeed(buf)) return this.#handOff();
          if (this.#partialSince === 0) this.#partialSince = this.#server.clock;
          else this.#checkSlow();
          return;
        }
        if (end > this.#maxHeader()) return this.#handOff();
        head = parseRequestHead(buf, end);
        if (head === undefined || head.contentLength > this.#server.options.maxBodyBytes || !this.#server.routes.accepts(head.method, head.url, head.headers)) {
          return this.#handOff();
        }
        this.#pending = head;
      }
      if (buf.length < head.total) {
        if (this.#partialSince === 0) this.#partialSince = this.#server.clock;
        this.#chunks = [buf];
        this.#chunkBytes = buf.length;
        this.#buf = null;
        return;
      }
      const body = buf.subarray(head.bodyStart, head.total);
      this.#buf = buf.length === head.total ? null : buf.subarray(head.total);
      this.#pending = undefined;
      this.#partialSince = 0;
      this.#busy = true;
      this.#server.options.counters?.served.inc();
      this.#closeAfter = head.close;
      this.#server.routes.serve({ method: head.method, url: head.url, headers: head.headers, body, remoteAddress: this.#socket.remoteAddress ?? '' }).then(this.#onReply, this.#onServeError);
    }
  }

  /** Gives the connection, with every byte not consumed yet, to node:http. */
  #handOff(): void {
    const socket = this.#socket;
    this.#handedOff = true;
    this.#server.options.counters?.handedOff.inc();
    socket.removeListener('data', this.#onData);
    socket.removeListener('end', this.#onEnd);
    socket.removeListener('close', this.#onClose);
    socket.removeListener('error', noop);
    this.#server.live.delete(socket);
    const rest = this.#buf;
    this.#buf = null;
    if (this.#ended) {
      // The client has closed its side: node:http can no longer be given the bytes it sent
      // (a stream cannot be unshifted after its end), so the request is refused, not lost silently.
      socket.on('error', noop);
      socket.end(`HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${HALF_CLOSED_FAULT.length}\r\n\r\n${HALF_CLOSED_FAULT}`);
      return;
    }
    if (rest !== null) socket.unshift(rest);
    this.#server.fallback.emit('connection', socket);
    if (socket.isPaused()) socket.resume();
  }

  #reply(reply: LeanReply, closeAfter: boolean): void {
    const socket = this.#socket;
    const body = reply.body;
    if (this.#closed || socket.destroyed) {
      if (typeof body !== 'string' && !Buffer.isBuffer(body) && !Array.isArray(body)) (body as Readable).destroy();
      return;
    }
    const close = closeAfter || reply.close === true || this.#server.closingConnections;
    let head = statusLine(reply.status);
    const headers = reply.headers;
    for (const name in headers) {
      if (!OWN_HEADERS.has(name)) head += `${name}: ${headers[name]!}\r\n`;
    }
    head += `date: ${httpDate()}\r\n${close ? 'connection: close\r\n' : this.#server.keepAliveHeaders}`;
    if (typeof body === 'string') {
      head += `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
      if (NON_ASCII.test(head)) {
        socket.cork();
        socket.write(headBuffer(head));
        socket.write(body);
        socket.uncork();
      } else {
        socket.write(head + body);
      }
      return this.#done(close);
    }
    if (Buffer.isBuffer(body) || Array.isArray(body)) {
      // Bytes whole or in pieces: one buffer when small, else one corked writev (no copy).
      const pieces: readonly Buffer[] = Buffer.isBuffer(body) ? [body] : body as readonly Buffer[];
      let length = 0;
      for (let i = 0; i < pieces.length; i++) length += pieces[i]!.length;
      head += `content-length: ${length}\r\n\r\n`;
      if (length <= COPY_LIMIT) {
        // Latin-1: one byte per character, so the head's length is its size.
        const out = Buffer.allocUnsafe(head.length + length);
        let at = out.write(head, 0, 'latin1');
        for (let i = 0; i < pieces.length; i++) at += pieces[i]!.copy(out, at);
        socket.write(out);
      } else {
        socket.cork();
        socket.write(headBuffer(head));
        for (let i = 0; i < pieces.length; i++) socket.write(pieces[i]!);
        socket.uncork();
      }
      return this.#done(close);
    }
    this.#stream(body as Readable, head, headers['content-length'], close);
  }

  /** Streams a large reply with backpressure: as announced by the backend, or chunked. */
  #stream(body: Readable, head: string, length: string | undefined, close: boolean): void {
    const socket = this.#socket;
    if (body.destroyed || body.readableEnded) {
      // Nothing more will come from it: the reply cannot be completed.
      socket.destroy();
      return;
    }
    const chunked = length === undefined;
    socket.write(headBuffer(`${head}${chunked ? 'transfer-encoding: chunked' : `content-length: ${length}`}\r\n\r\n`));
    let sent = 0;
    const onSocketClose = (): void => {
      body.destroy();
    };
    socket.once('close', onSocketClose);
    body.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      let ok: boolean;
      if (chunked) {
        // All three pieces go out whatever the first writes return: a chunk is never cut.
        socket.cork();
        socket.write(`${chunk.length.toString(16)}\r\n`);
        socket.write(chunk);
        ok = socket.write('\r\n');
        socket.uncork();
      } else {
        ok = socket.write(chunk);
      }
      if (!ok) {
        body.pause();
        if (this.#stalledSince === 0) this.#stalledSince = this.#server.clock;
        socket.once('drain', () => {
          this.#stalledSince = 0;
          body.resume();
        });
      }
    });
    body.once('error', () => socket.destroy());
    body.once('end', () => {
      socket.removeListener('close', onSocketClose);
      if (chunked) socket.write('0\r\n\r\n');
      // A body shorter than announced cannot be repaired: the client must not wait for the rest.
      else if (sent !== Number(length)) return void socket.destroy();
      this.#done(close);
    });
  }

  #done(close: boolean): void {
    const socket = this.#socket;
    this.#lastActive = this.#server.clock;
    if (close) return this.#close();
    if (socket.writableNeedDrain) {
      // A client that does not read its replies gets no more of them until it does.
      if (this.#stalledSince === 0) this.#stalledSince = this.#server.clock;
      socket.once('drain', () => this.#done(false));
      return;
    }
    this.#stalledSince = 0;
    this.#busy = false;
    if (socket.isPaused()) socket.resume();
    this.#pump();
    if (this.#ended && !this.#busy) this.#finishEnded();
  }

  /** Closes the connection now if no request is being served or arriving (graceful shutdown). */
  closeIfIdle(): void {
    if (this.#busy || this.#closed || this.#handedOff || this.#buf !== null || this.#pending !== undefined) return;
    this.#close();
  }

  /** After a half-close: the requests already complete have been answered; what is left is cut off. */
  #finishEnded(): void {
    if (this.#closed || this.#handedOff) return;
    this.#close();
  }
}

function noop(): void {}

/**
 * The hot path's HTTP/1.1 server: a `net` server that answers the requests its routes accept
 * itself (one buffer in, one write out, no IncomingMessage/ServerResponse per call) and passes
 * every other connection to `fallback`, a node:http server that is never listening itself.
 */
export class LeanServer extends NetServer {
  readonly routes: LeanRoutes;
  readonly fallback: HttpServer;
  readonly options: LeanServerOptions;
  readonly keepAliveHeaders: string;
  /** Lean connections (handed-over ones belong to the fallback server). */
  readonly live = new Map<Socket, LeanConnection>();
  /** Milliseconds, updated by the sweep: coarse on purpose (timeouts are seconds). */
  clock = Date.now();
  #sweep: NodeJS.Timeout | undefined;

  constructor(fallback: HttpServer, routes: LeanRoutes, options: LeanServerOptions) {
    // Half-open like node:http: a client may close its sending side and still read the reply.
    super({ noDelay: true, allowHalfOpen: true });
    this.routes = routes;
    this.fallback = fallback;
    this.options = options;
    this.keepAliveHeaders = `connection: keep-alive\r\nkeep-alive: timeout=${Math.floor(options.keepAliveTimeoutMs / 1000)}\r\n`;
    this.on('connection', (socket: Socket) => {
      this.live.set(socket, new LeanConnection(socket, this));
    });
    const every = Math.max(10, Math.min(1000, options.headersTimeoutMs / 2, options.keepAliveTimeoutMs / 2));
    this.on('listening', () => {
      // node:http starts its header/request timeout checks and its connection list on 'listening';
      // the fallback never listens itself, so it is told here (connections handed to it need both).
      if (!fallback.listening) fallback.emit('listening');
      this.#sweep ??= setInterval(() => {
        const now = (this.clock = Date.now());
        for (const conn of this.live.values()) conn.sweep(now);
      }, every).unref();
    });
    this.on('close', () => {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
      // Stops node:http's timeout checker; the fallback has no handle of its own to close.
      fallback.close(noop);
    });
  }

  /**
   * Graceful shutdown: from now on every reply closes its connection (`connection: close`, so a
   * load balancer never reuses it), and connections with no request in progress are closed now.
   * Called again, it closes those that have become idle since.
   */
  closeIdleConnections(): void {
    this.closingConnections = true;
    for (const conn of this.live.values()) conn.closeIfIdle();
    this.fallback.closeIdleConnections();
  }

  /** Every reply closes its connection (set by closeIdleConnections, or at once by a shutdown). */
  closingConnections = false;

  /** Closes every connection, lean or handed over. */
  closeAllConnections(): void {
    for (const socket of this.live.keys()) socket.destroy();
    this.live.clear();
    this.fallback.closeAllConnections();
  }
}
