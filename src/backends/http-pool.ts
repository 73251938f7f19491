import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Readable } from 'node:stream';
import { isFieldValue } from '../http/field-value.ts';
import { isToken } from '../http/token.ts';

/** Options of an {@link HttpPool}. */
export interface HttpPoolOptions {
  /** Most sockets open to the origin at once; further requests wait their turn (FIFO). */
  connections: number;
  /** From the start of a connection to TCP (and TLS) established. */
  connectTimeoutMs: number;
  /** From writing a request to the end of the response head. */
  headersTimeoutMs: number;
  /**
   * A body delivered whole (up to maxBufferedBytes) must arrive within this after its head; a
   * streamed one may not fall silent longer than this (not counted while the reader applies backpressure).
   */
  bodyTimeoutMs: number;
  /** How long an idle socket is kept when the server sends no `Keep-Alive: timeout=N` hint. */
  keepAliveTimeoutMs: number;
  /** Bodies up to this size are read in full before the response is delivered; larger ones are streamed. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Extra TLS options for an `https:` origin (a private CA, say); certificates are verified by default. */
  tls?: ConnectionOptions;
}

export interface PoolRequest {
  method: string;
  /** Path and query, starting with `/`. */
  path: string;
  /** Names in lower case; `host`, `connection`, `content-length` and `transfer-encoding` are the pool's. */
  headers: Record<string, string>;
  body?: string | Buffer | undefined;
  signal?: AbortSignal | undefined;
}

export interface PoolResponse {
  statusCode: number;
  /** Names in lower case; a repeated header is an array. Values are decoded as latin1 (bytes kept as sent). */
  headers: Record<string, string | string[]>;
  body: BackendBody;
}

export type HttpPoolErrorCode =
  | 'CONNECT_TIMEOUT' | 'HEADERS_TIMEOUT' | 'BODY_TIMEOUT' | 'SOCKET_CLOSED' | 'ABORTED' | 'BAD_RESPONSE' | 'POOL_CLOSED' | 'BAD_REQUEST';

/** A failure of the pool itself; errors of the operating system (ECONNREFUSED, ECONNRESET, EPIPE…) are passed on as they come. */
export class HttpPoolError extends Error {
  readonly code: HttpPoolErrorCode;

  constructor(code: HttpPoolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpPoolError';
    this.code = code;
  }
}

const DEFAULT_MAX_BUFFERED = 1024 * 1024;
const MAX_HEAD_BYTES = 64 * 1024;
/** A server's keep-alive hint is trusted minus this much, so a socket is never reused as the server closes it (as undici). */
const KEEP_ALIVE_MARGIN_MS = 2000;
const MAX_KEEP_ALIVE_MS = 600_000;
/** What dump() reads of a streamed body before it gives up the socket instead (as undici). */
const DUMP_LIMIT = 128 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);
/**
 * Plain-TCP sockets read into this one buffer instead of a fresh 64 KiB per read (memory the
 * kernel must map on every read of a large reply). Each read is used before the next one comes:
 * copied into the body it belongs to, or into a buffer of its own when it is kept as it is. Once
 * a Content-Length body is allocated, the socket reads straight into the rest of it instead.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

const CONTENT_LENGTH = /^\d{1,15}$/;
const CHUNK_SIZE = /^[0-9A-Fa-f]{1,12}[\t ]*$/;
const CHUNK_SIZE_ONLY = /^[0-9A-Fa-f]{1,12}$/;
/** chunk-ext (RFC 9112 7.1.1): `;name` or `;name=token` or `;name="quoted"`, BWS around; no control characters. */
const CHUNK_EXTENSIONS = /^(?:;[\t ]*[-!#$%&'*+.^_`|~0-9A-Za-z]+(?:[\t ]*=[\t ]*(?:[-!#$%&'*+.^_`|~0-9A-Za-z]+|"(?:[\t !#-[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"))?[\t ]*)+$/;
const KEEP_ALIVE_TIMEOUT = /timeout\s*=\s*(\d+)/i;
const CONNECTION_CLOSE = /(?:^|,)[\t ]*close[\t ]*(?:,|$)/i;
const CONNECTION_KEEP_ALIVE = /(?:^|,)[\t ]*keep-alive[\t ]*(?:,|$)/i;
/** chunked as the last coding; empty list elements after it are ignored (RFC 9110 5.6.1). */
const CHUNKED_LAST = /(?:^|,)[\t ]*chunked[\t ]*(?:,[\t ]*)*$/i;
const RESERVED_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade']);
/** Header names already checked (our callers use a handful of constant names). */
const checkedNames = new Set<string>();

/** Common response header names by length: found without lower-casing or interning a new string. */
const KNOWN_NAMES: string[][] = [];
for (const n of [
  'date', 'server', 'content-type', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'etag', 'cache-control',
  'last-modified', 'content-encoding', 'content-disposition', 'x-request-id', 'set-cookie', 'vary', 'expires', 'pragma', 'location',
  'x-powered-by', 'accept-ranges', 'age', 'access-control-allow-origin', 'strict-transport-security', 'x-frame-options', 'x-content-type-options',
]) (KNOWN_NAMES[n.length] ??= []).push(n);

function headerName(text: string, start: number, end: number): string {
  const known = KNOWN_NAMES[end - start];
  if (known !== undefined) {
    next: for (let k = 0; k < known.length; k++) {
      const name = known[k]!;
      for (let i = 0; i < name.length; i++) {
        const want = name.charCodeAt(i);
        const got = text.charCodeAt(start + i);
        if (got !== want && (want < 97 || (got | 0x20) !== want)) continue next;
      }
      return name;
    }
  }
  return text.slice(start, end).toLowerCase();
}

type Latin1 = Buffer & { latin1Slice(start: number, end: number): string };
const latin1 = (buf: Buffer, start: number, end: number): string => (buf as Latin1).latin1Slice(start, end);

const PHASE_CONNECTING = 0;
const PHASE_IDLE = 1;
const PHASE_HEAD = 2;
/** Reading a body that may still be delivered whole. */
const PHASE_BODY = 3;
/** The response is delivered; the body goes to its stream. */
const PHASE_STREAM = 4;
const PHASE_CLOSED = 5;

const FRAME_NONE = 0;
const FRAME_LENGTH = 1;
const FRAME_CHUNKED = 2;
const FRAME_CLOSE = 3;

const CHUNK_SIZE_LINE = 0;
const CHUNK_DATA = 1;
const CHUNK_DATA_END = 2;
const CHUNK_TRAILER = 3;

/**
 * A response body: `buffered` when it arrived whole before the response was delivered (the
 * common case of a small reply), else a stream that must be read or dumped.
 */
export class BackendBody {
  readonly buffered: Buffer | undefined;
  #stream: Readable | undefined;

  constructor(buffered: Buffer | undefined, stream: BodyStream | undefined) {
    this.buffered = buffered;
    this.#stream = stream;
  }

  /** The body as UTF-8 text (a leading byte-order mark dropped, as undici). */
  text(): Promise<string> {
    if (this.buffered !== undefined) return Promise.resolve(utf8(this.buffered));
    const stream = this.#stream!;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.once('end', () => resolve(utf8(Buffer.concat(chunks))));
      stream.once('error', reject);
      stream.once('close', () => {
        if (!stream.readableEnded) reject(new HttpPoolError('ABORTED', 'the body was destroyed before its end'));
      });
    });
  }

  /** Reads and drops the body so the socket can be reused; a long streamed body closes the socket instead. */
  dump(): Promise<void> {
    if (this.buffered !== undefined) return Promise.resolve();
    return (this.#stream as BodyStream).dump();
  }

  /** The body as a stream (with backpressure on the socket when streamed). */
  stream(): Readable {
    if (this.#stream === undefined) {
      const s = new Readable({ read() {} });
      s.push(this.buffered);
      s.push(null);
      this.#stream = s;
    }
    return this.#stream;
  }
}

function utf8(buf: Buffer): string {
  const start = buf.length > 2 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  return buf.toString('utf8', start);
}

/** A streamed body: pauses the socket when its buffer is full, resumes it on read. */
class BodyStream extends Readable {
  conn: Conn | null;

  constructor(conn: Conn) {
    super();
    this.conn = conn;
  }

  override _read(): void {
    this.conn?.resumeBody();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const conn = this.conn;
    this.conn = null;
    // Destroyed before its end: the rest of the body is still on the socket, which cannot be reused.
    if (conn !== null) conn.fail(err ?? new HttpPoolError('ABORTED', 'the body was destroyed before its end'));
    cb(err);
  }

  dump(): Promise<void> {
    return new Promise((resolve) => {
      if (this.readableEnded || this.destroyed) return resolve();
      let read = 0;
      this.on('data', (c: Buffer) => {
        read += c.length;
        if (read > DUMP_LIMIT) this.destroy();
      });
      this.once('end', resolve);
      this.once('close', resolve);
      this.once('error', () => resolve());
    });
  }
}

/** One request from the call to its settlement; also the abort listener (no closure per request). */
class Pending {
  readonly req: PoolRequest;
  resolve!: (res: PoolResponse) => void;
  reject!: (err: Error) => void;
  conn: Conn | null = null;
  core: PoolCore;
  /** The response was handed out (the body may still be streaming). */
  delivered = false;

  constructor(core: PoolCore, req: PoolRequest) {
    this.core = core;
    this.req = req;
  }

  handleEvent(): void {
    const err = new HttpPoolError('ABORTED', 'the request was aborted', { cause: this.req.signal?.reason });
    if (this.conn !== null) {
      this.conn.fail(err);
      return;
    }
    const i = this.core.queue.indexOf(this);
    if (i >= 0) this.core.queue.splice(i, 1);
    this.settle();
    this.reject(err);
  }

  settle(): void {
    this.req.signal?.removeEventListener('abort', this);
  }
}

let executorTarget: Pending | null = null;
function executor(resolve: (res: PoolResponse) => void, reject: (err: Error) => void): void {
  executorTarget!.resolve = resolve;
  executorTarget!.reject = reject;
}

/**
 * One socket and its parser. The response head is parsed from latin1 text in one go; a body is
 * collected while it may still be delivered whole, then streamed.
 */
class Conn {
  readonly core: PoolCore;
  readonly socket: Socket;
  phase = PHASE_CONNECTING;
  /** Tick at which the current phase times out; 0 = none. */
  deadline = 0;
  pending: Pending | null;
  reusable = true;
  refd = true;
  keepAliveTicks: number;
  /** A head not yet complete. */
  partial: Buffer | null = null;
  statusCode = 0;
  headers: Record<string, string | string[]> | null = null;
  framing = FRAME_NONE;
  remaining = 0;
  chunkState = CHUNK_SIZE_LINE;
  line = '';
  trailerBytes = 0;
  parts: Buffer[] = [];
  size = 0;
  /** A Content-Length body being filled in place (`size` bytes so far), instead of parts to concatenate. */
  body: Buffer | null = null;
  stream: BodyStream | null = null;
  paused = false;

  constructor(core: PoolCore, pending: Pending) {
    this.core = core;
    this.pending = pending;
    pending.conn = this;
    this.keepAliveTicks = core.keepAliveTicks;
    this.deadline = core.tick + core.connectTicks;
    const o = core.origin;
    if (o.secure) {
      this.socket = tlsConnect({ host: o.host, port: o.port, ALPNProtocols: ['http/1.1'], ...(o.servername === undefined ? {} : { servername: o.servername }), ...core.tls });
      this.socket.setNoDelay(true);
      this.socket.setKeepAlive(true, 60_000);
      this.socket.once('secureConnect', this.onConnect);
    } else {
      this.socket = netConnect({ host: o.host, port: o.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000, onread: { buffer: this.readInto, callback: this.onRead } });
      this.socket.once('connect', this.onConnect);
    }
    if (o.secure) this.socket.on('data', this.onData);
    this.socket.on('end', this.onEnd);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
  }

  onConnect = (): void => {
    if (this.phase !== PHASE_CONNECTING) return;
    const pending = this.pending;
    this.pending = null;
    if (pending === null) this.core.free(this);
    else this.start(pending);
  };

  start(pending: Pending): void {
    this.pending = pending;
    pending.conn = this;
    this.phase = PHASE_HEAD;
    this.deadline = this.core.tick + this.core.headersTicks;
    this.reusable = true;
    this.statusCode = 0;
    if (!this.refd) {
      this.refd = true;
      this.socket.ref();
    }
    this.socket.write(this.core.serialize(pending.req));
  }

  /** Where the next read of a plain-TCP socket goes (node asks after every read): the rest of a presized body, else READ_BUFFER. */
  readInto = (): Uint8Array => {
    const body = this.body;
    return body !== null && this.phase === PHASE_BODY ? body.subarray(this.size) : READ_BUFFER;
  };

  /** A read of a plain-TCP socket into `buf` (see readInto). Backpressure pauses the socket itself. */
  onRead = (nread: number, buf: Uint8Array): boolean => {
    const phase = this.phase;
    if (buf !== READ_BUFFER) {
      // Read in place, into the body at `size` (no more than it lacks).
      if (this.body === null || phase !== PHASE_BODY) {
        this.fail(new HttpPoolError('BAD_RESPONSE', 'the server sent data after the response'));
        return true;
      }
      this.size += nread;
      this.remaining -= nread;
      if (this.remaining <= 0) {
        // The spare byte was filled: the server sent more than its Content-Length said.
        if (this.remaining < 0) {
          this.reusable = false;
          this.size += this.remaining;
          this.remaining = 0;
        }
        this.finish();
      }
    } else if (this.body !== null && phase === PHASE_BODY) this.onBody(READ_BUFFER.subarray(0, nread), 0);
    else if (phase === PHASE_HEAD && this.partial === null) this.onHead(READ_BUFFER.subarray(0, nread), true);
    else this.onData(Buffer.from(READ_BUFFER.subarray(0, nread)));
    return true;
  };

  onData = (chunk: Buffer): void => {
    const phase = this.phase;
    if (phase === PHASE_HEAD) this.onHead(chunk);
    else if (phase === PHASE_BODY || phase === PHASE_STREAM) this.onBody(chunk, 0);
    else if (phase === PHASE_IDLE) this.fail(new HttpPoolError('BAD_RESPONSE', 'the server sent data on an idle connection'));
  };

  /** `transient`: chunk is READ_BUFFER's, so whatever is kept of it is copied. */
  onHead(chunk: Buffer, transient = false): void {
    let buf = chunk;
    let from = 0;
    if (this.partial !== null) {
      from = Math.max(0, this.partial.length - 3);
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    for (;;) {
      const end = buf.indexOf(CRLF2, from);
      if (end < 0 || end > MAX_HEAD_BYTES) {
        if (buf.length > MAX_HEAD_BYTES) return this.fail(new HttpPoolError('BAD_RESPONSE', `the response head is over ${MAX_HEAD_BYTES} bytes`));
        this.partial = transient ? Buffer.from(buf) : buf;
        return;
      }
      if (!this.parseHead(buf, end)) return;
      const rest = end + 4;
      if (this.statusCode >= 200) return this.startBody(buf, rest, transient);
      // An informational response (103 Early Hints, a stray 100 Continue): the real one follows.
      if (rest === buf.length) return;
      buf = buf.subarray(rest);
      from = 0;
    }
  }

  /** Parses a head into statusCode, headers and framing; false (after failing) when malformed. */
  parseHead(buf: Buffer, end: number): boolean {
    const text = latin1(buf, 0, end);
    let eol = text.indexOf('\r\n');
    if (eol < 0) eol = end;
    const s0 = text.charCodeAt(9);
    const s1 = text.charCodeAt(10);
    const s2 = text.charCodeAt(11);
    if (!text.startsWith('HTTP/1.') || (text.charCodeAt(7) !== 49 && text.charCodeAt(7) !== 48) || text.charCodeAt(8) !== 32
      || !(s0 >= 49 && s0 <= 57) || !(s1 >= 48 && s1 <= 57) || !(s2 >= 48 && s2 <= 57) || (eol !== 12 && text.charCodeAt(12) !== 32)
      // The reason phrase is HTAB, SP, VCHAR and obs-text (RFC 9112 4): a bare LF or CR there would take the next line in.
      || !isFieldValue(text, 13, eol)) {
      this.fail(new HttpPoolError('BAD_RESPONSE', `bad status line ${JSON.stringify(text.slice(0, Math.min(eol, 100)))}`));
      return false;
    }
    const status = (s0 - 48) * 100 + (s1 - 48) * 10 + (s2 - 48);
    const http10 = text.charCodeAt(7) === 48;
    // No prototype: a header named `constructor` or `__proto__` is just a header.
    const headers: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
    let pos = eol + 2;
    while (pos < end) {
      let e = text.indexOf('\r\n', pos);
      if (e < 0) e = end;
      const colon = text.indexOf(':', pos);
      const first = text.charCodeAt(pos);
      // The name is a token (RFC 9110 5.1): no whitespace, quotes, separators or control bytes in it.
      if (colon <= pos || colon > e || first === 32 || first === 9 || !isToken(text, pos, colon)) {
        this.fail(new HttpPoolError('BAD_RESPONSE', `bad header line ${JSON.stringify(text.slice(pos, Math.min(e, pos + 100)))}`));
        return false;
      }
      let vs = colon + 1;
      let ve = e;
      while (vs < ve && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
      while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
      if (!isFieldValue(text, vs, ve)) {
        // CR, LF or NUL in a value would be passed on to clients as-is (response splitting).
        this.fail(new HttpPoolError('BAD_RESPONSE', `header line with control characters ${JSON.stringify(text.slice(pos, Math.min(e, pos + 100)))}`));
        return false;
      }
      const name = headerName(text, pos, colon);
      const value = text.slice(vs, ve);
      const had = headers[name];
      if (had === undefined) headers[name] = value;
      else if (typeof had === 'string') headers[name] = [had, value];
      else had.push(value);
      pos = e + 2;
    }
    this.statusCode = status;
    this.headers = headers;
    if (status < 200) {
      if (status === 101) {
        this.fail(new HttpPoolError('BAD_RESPONSE', 'the server switched protocols unasked'));
        return false;
      }
      return true;
    }

    const connection = headers.connection;
    if (connection !== undefined) {
      const c = typeof connection === 'string' ? connection : connection.join(',');
      if (c !== 'keep-alive' && c !== 'Keep-Alive' && (CONNECTION_CLOSE.test(c) || (http10 && !CONNECTION_KEEP_ALIVE.test(c)))) this.reusable = false;
    } else if (http10) {
      this.reusable = false;
    }
    const keepAlive = headers['keep-alive'];
    if (keepAlive !== undefined && this.reusable) this.keepAliveTicks = this.core.keepAliveTicksOf(typeof keepAlive === 'string' ? keepAlive : keepAlive.join(','));

    const te = headers['transfer-encoding'];
    const cl = headers['content-length'];
    if (this.pending!.req.method === 'HEAD' || status === 204 || status === 304) {
      this.framing = FRAME_NONE;
    } else if (te !== undefined) {
      if (cl !== undefined) {
        this.fail(new HttpPoolError('BAD_RESPONSE', 'the response has both Transfer-Encoding and Content-Length'));
        return false;
      }
      const t = typeof te === 'string' ? te : te.join(',');
      if (t === 'chunked' || CHUNKED_LAST.test(t)) {
        this.framing = FRAME_CHUNKED;
        this.chunkState = CHUNK_SIZE_LINE;
        this.line = '';
        this.trailerBytes = 0;
      } else {
        this.framing = FRAME_CLOSE;
      }
    } else if (cl !== undefined) {
      if (typeof cl !== 'string' || !CONTENT_LENGTH.test(cl)) {
        this.fail(new HttpPoolError('BAD_RESPONSE', `bad Content-Length ${JSON.stringify(cl).slice(0, 100)}`));
        return false;
      }
      this.framing = FRAME_LENGTH;
      this.remaining = Number(cl);
    } else {
      this.framing = FRAME_CLOSE;
    }
    if (this.framing === FRAME_CLOSE) this.reusable = false;
    return true;
  }

  startBody(buf: Buffer, offset: number, transient = false): void {
    const framing = this.framing;
    if (framing === FRAME_NONE || (framing === FRAME_LENGTH && this.remaining === 0)) {
      if (offset < buf.length) this.reusable = false;
      this.complete(EMPTY);
      return;
    }
    this.parts = [];
    this.size = 0;
    if (framing === FRAME_LENGTH) {
      const length = this.remaining;
      if (buf.length - offset >= length) {
        if (buf.length - offset > length) this.reusable = false;
        this.complete(transient ? Buffer.from(buf.subarray(offset, offset + length)) : buf.subarray(offset, offset + length));
        return;
      }
      if (length > this.core.maxBuffered) {
        this.phase = PHASE_STREAM;
        this.deliverStream();
      } else {
        this.phase = PHASE_BODY;
        // The whole body in one buffer from the start: each read is copied in once, nothing
        // concatenated at the end. One spare byte: a read in place that fills it shows bytes past
        // the body (a server sending more than it announced), so the socket is not reused for them.
        this.body = Buffer.allocUnsafe(length + 1);
      }
    } else {
      this.phase = PHASE_BODY;
    }
    this.deadline = this.core.tick + this.core.bodyTicks;
    if (offset < buf.length) {
      // A presized body copies what it takes; parts and streams keep theirs.
      if (transient && this.body === null) this.onBody(Buffer.from(buf.subarray(offset)), 0);
      else this.onBody(buf, offset);
    }
  }

  onBody(buf: Buffer, offset: number): void {
    // A buffered body has one deadline from its head (set in startBody): a server dripping it a
    // byte at a time cannot hold the call. A streamed one may take long, but not fall silent.
    if (!this.paused && this.phase === PHASE_STREAM) this.deadline = this.core.tick + this.core.bodyTicks;
    if (this.framing === FRAME_LENGTH) {
      const n = Math.min(this.remaining, buf.length - offset);
      this.remaining -= n;
      const body = this.body;
      if (body !== null) {
        buf.copy(body, this.size, offset, offset + n);
        this.size += n;
      } else {
        this.emit(n === buf.length ? buf : buf.subarray(offset, offset + n));
      }
      if (this.remaining === 0 && this.phase !== PHASE_CLOSED) {
        if (offset + n < buf.length) this.reusable = false;
        this.finish();
      }
    } else if (this.framing === FRAME_CHUNKED) {
      this.onChunked(buf, offset);
    } else {
      this.emit(offset === 0 ? buf : buf.subarray(offset));
    }
  }

  onChunked(buf: Buffer, i: number): void {
    const n = buf.length;
    while (i < n) {
      if (this.phase === PHASE_CLOSED) return;
      const state = this.chunkState;
      if (state === CHUNK_DATA) {
        const take = Math.min(this.remaining, n - i);
        this.remaining -= take;
        this.emit(buf.subarray(i, i + take));
        i += take;
        if (this.remaining === 0) {
          this.chunkState = CHUNK_DATA_END;
          this.line = '';
        }
      } else if (state === CHUNK_DATA_END) {
        // The CRLF after a chunk's data, possibly split across reads.
        const byte = buf[i++];
        if (byte === 13 && this.line === '') {
          this.line = '\r';
        } else if (byte === 10 && this.line === '\r') {
          this.chunkState = CHUNK_SIZE_LINE;
          this.line = '';
        } else {
          return this.fail(new HttpPoolError('BAD_RESPONSE', 'a chunk does not end with CRLF'));
        }
      } else {
        const lf = buf.indexOf(10, i);
        const stop = lf < 0 ? n : lf;
        this.line += latin1(buf, i, stop);
        if (state === CHUNK_TRAILER) this.trailerBytes += stop - i;
        if (this.line.length > 4096 || this.trailerBytes > MAX_HEAD_BYTES) return this.fail(new HttpPoolError('BAD_RESPONSE', 'a chunk size or trailer line is too long'));
        if (lf < 0) return;
        i = lf + 1;
        const line = this.line;
        this.line = '';
        if (line.charCodeAt(line.length - 1) !== 13) return this.fail(new HttpPoolError('BAD_RESPONSE', 'a chunk line does not end with CRLF'));
        if (state === CHUNK_TRAILER) {
          if (line.length === 1) {
            if (i < n) this.reusable = false;
            this.finish();
            return;
          }
          // A trailer is a field line (RFC 9112 7.1.2): token ":" field-value. Dropped, but not unchecked.
          const colon = line.indexOf(':');
          if (colon <= 0 || !isToken(line, 0, colon) || !isFieldValue(line, colon + 1, line.length - 1)) return this.fail(new HttpPoolError('BAD_RESPONSE', `bad trailer line ${JSON.stringify(line.slice(0, 100))}`));
          continue;
        }
        const semi = line.indexOf(';');
        const hex = line.slice(0, semi < 0 ? line.length - 1 : semi);
        // Whitespace after the size only before an extension (BWS ";", RFC 9112 7.1.1).
        if (!(semi < 0 ? CHUNK_SIZE_ONLY : CHUNK_SIZE).test(hex) || (semi >= 0 && !CHUNK_EXTENSIONS.test(line.slice(semi, -1)))) return this.fail(new HttpPoolError('BAD_RESPONSE', `bad chunk size ${JSON.stringify(hex.slice(0, 40))}`));
        const size = parseInt(hex, 16);
        if (size === 0) this.chunkState = CHUNK_TRAILER;
        else {
          this.chunkState = CHUNK_DATA;
          this.remaining = size;
        }
      }
    }
  }

  /** One piece of body: kept while the body may still be delivered whole, else streamed. */
  emit(part: Buffer): void {
    if (part.length === 0) return;
    if (this.phase === PHASE_BODY) {
      this.parts.push(part);
      this.size += part.length;
      if (this.size > this.core.maxBuffered) {
        this.phase = PHASE_STREAM;
        const parts = this.parts;
        this.parts = [];
        const stream = this.deliverStream();
        for (let i = 0; i < parts.length; i++) stream.push(parts[i]);
        // Streamed from here on: silence is what counts now.
        this.deadline = this.core.tick + this.core.bodyTicks;
        this.checkBackpressure(stream);
      }
      return;
    }
    const stream = this.stream;
    if (stream === null) return;
    stream.push(part);
    this.checkBackpressure(stream);
  }

  checkBackpressure(stream: BodyStream): void {
    if (!this.paused && stream.readableLength >= stream.readableHighWaterMark) {
      this.paused = true;
      this.deadline = 0;
      this.socket.pause();
    }
  }

  resumeBody(): void {
    if (!this.paused || this.phase !== PHASE_STREAM) return;
    this.paused = false;
    this.deadline = this.core.tick + this.core.bodyTicks;
    this.socket.resume();
  }

  deliverStream(): BodyStream {
    const stream = new BodyStream(this);
    this.stream = stream;
    const pending = this.pending!;
    pending.delivered = true;
    pending.resolve({ statusCode: this.statusCode, headers: this.headers!, body: new BackendBody(undefined, stream) });
    return stream;
  }

  /** A whole response with its buffered body: deliver it and free the socket. */
  complete(body: Buffer): void {
    const pending = this.pending!;
    const res: PoolResponse = { statusCode: this.statusCode, headers: this.headers!, body: new BackendBody(body, undefined) };
    this.pending = null;
    this.headers = null;
    pending.conn = null;
    pending.settle();
    this.core.free(this);
    pending.resolve(res);
  }

  /** The body is complete. */
  finish(): void {
    if (this.phase === PHASE_BODY) {
      const body = this.body;
      if (body !== null) {
        this.body = null;
        this.complete(body.subarray(0, this.size));
        return;
      }
      const parts = this.parts;
      this.parts = [];
      this.complete(parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.size));
      return;
    }
    const stream = this.stream!;
    const pending = this.pending!;
    this.stream = null;
    stream.conn = null;
    this.pending = null;
    this.headers = null;
    pending.conn = null;
    pending.settle();
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    this.core.free(this);
    stream.push(null);
  }

  onEnd = (): void => {
    if ((this.phase === PHASE_BODY || this.phase === PHASE_STREAM) && this.framing === FRAME_CLOSE) {
      this.finish();
      return;
    }
    this.fail(new HttpPoolError('SOCKET_CLOSED', 'the server closed the connection before the response ended'));
  };

  onError = (err: Error): void => {
    this.fail(err);
  };

  onClose = (): void => {
    this.fail(new HttpPoolError('SOCKET_CLOSED', 'the connection closed before the response ended'));
  };

  onTimeout(): void {
    const phase = this.phase;
    if (phase === PHASE_IDLE) this.fail(null);
    else if (phase === PHASE_CONNECTING) this.fail(new HttpPoolError('CONNECT_TIMEOUT', `no connection to ${this.core.origin.href} within ${this.core.opts.connectTimeoutMs} ms`));
    else if (phase === PHASE_HEAD) this.fail(new HttpPoolError('HEADERS_TIMEOUT', `no response head within ${this.core.opts.headersTimeoutMs} ms`));
    else if (!this.paused) this.fail(new HttpPoolError('BODY_TIMEOUT', `no body data for ${this.core.opts.bodyTimeoutMs} ms`));
  }

  /** Ends this socket; the request on it (if any) fails with `err`. Idempotent. */
  fail(err: Error | null): void {
    if (this.phase === PHASE_CLOSED) return;
    const wasIdle = this.phase === PHASE_IDLE;
    this.phase = PHASE_CLOSED;
    this.deadline = 0;
    const pending = this.pending;
    const stream = this.stream;
    this.pending = null;
    this.stream = null;
    this.parts = [];
    this.body = null;
    this.partial = null;
    this.socket.destroy();
    this.core.remove(this, wasIdle);
    if (pending !== null) {
      pending.conn = null;
      pending.settle();
      const e = err ?? new HttpPoolError('SOCKET_CLOSED', 'the connection closed before the response ended');
      if (!pending.delivered) pending.reject(e);
      else if (stream !== null) {
        stream.conn = null;
        stream.destroy(e);
      }
    }
  }
}

/** The state shared by a pool's sockets (kept out of HttpPool so its public face stays small). */
class PoolCore {
  readonly opts: HttpPoolOptions;
  readonly origin: { href: string; host: string; port: number; secure: boolean; servername: string | undefined; hostLine: string };
  readonly tls: ConnectionOptions;
  readonly maxBuffered: number;
  readonly conns = new Set<Conn>();
  readonly idle: Conn[] = [];
  readonly queue: Pending[] = [];
  closed = false;
  onEmpty: (() => void) | null = null;
  /** A coarse clock: deadlines are counted in ticks of one interval timer per pool, not in timers per request. */
  tick = 0;
  readonly tickMs: number;
  readonly connectTicks: number;
  readonly headersTicks: number;
  readonly bodyTicks: number;
  readonly keepAliveTicks: number;
  #timer: NodeJS.Timeout | undefined;
  #lastHint = '';
  #lastHintTicks = 0;

  constructor(origin: string, opts: HttpPoolOptions) {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`HttpPool: ${origin} is not an http: or https: URL`);
    const secure = url.protocol === 'https:';
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.origin = {
      href: url.origin, host, port: Number(url.port || (secure ? 443 : 80)), secure,
      servername: isIP(host) === 0 ? host : undefined,
      hostLine: `host: ${url.host}\r\n`,
    };
    if (!Number.isInteger(opts.connections) || opts.connections < 1) throw new TypeError(`HttpPool: connections must be a positive integer, got ${opts.connections}`);
    this.opts = opts;
    this.tls = opts.tls ?? {};
    this.maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    // A tick of about an eighth of the shortest deadline: a deadline fires at most that much late.
    this.tickMs = Math.min(500, Math.max(5, Math.floor(Math.min(opts.connectTimeoutMs, opts.headersTimeoutMs, opts.bodyTimeoutMs, opts.keepAliveTimeoutMs) / 8)));
    this.connectTicks = this.ticks(opts.connectTimeoutMs);
    this.headersTicks = this.ticks(opts.headersTimeoutMs);
    this.bodyTicks = this.ticks(opts.bodyTimeoutMs);
    this.keepAliveTicks = this.ticks(opts.keepAliveTimeoutMs);
  }

  /** Ticks covering at least `ms` (the current tick is partly over). */
  ticks(ms: number): number {
    return Math.ceil(ms / this.tickMs) + 1;
  }

  keepAliveTicksOf(hint: string): number {
    if (hint === this.#lastHint) return this.#lastHintTicks;
    const m = KEEP_ALIVE_TIMEOUT.exec(hint);
    let ticks = this.keepAliveTicks;
    if (m !== null) {
      const ms = Math.min(Number(m[1]) * 1000 - KEEP_ALIVE_MARGIN_MS, MAX_KEEP_ALIVE_MS);
      ticks = ms <= 0 ? 0 : this.ticks(ms);
    }
    this.#lastHint = hint;
    this.#lastHintTicks = ticks;
    return ticks;
  }

  onTick = (): void => {
    const tick = ++this.tick;
    for (const conn of this.conns) {
      if (conn.deadline !== 0 && conn.deadline <= tick) conn.onTimeout();
    }
  };

  open(pending: Pending): void {
    if (this.#timer === undefined) {
      this.#timer = setInterval(this.onTick, this.tickMs);
      this.#timer.unref();
    }
    this.conns.add(new Conn(this, pending));
  }

  /** A socket is done with its response: next queued request, idle, or closed. */
  free(conn: Conn): void {
    if (!conn.reusable || conn.keepAliveTicks <= 0 || this.closed) {
      conn.fail(null);
      return;
    }
    const next = this.queue.shift();
    if (next !== undefined) {
      conn.start(next);
      return;
    }
    conn.phase = PHASE_IDLE;
    conn.deadline = this.tick + conn.keepAliveTicks;
    // An idle socket does not keep the process alive (as undici).
    conn.refd = false;
    conn.socket.unref();
    this.idle.push(conn);
  }

  remove(conn: Conn, wasIdle: boolean): void {
    this.conns.delete(conn);
    if (wasIdle) {
      const i = this.idle.lastIndexOf(conn);
      if (i >= 0) this.idle.splice(i, 1);
    }
    const next = this.queue.length > 0 && !this.closed ? this.queue.shift() : undefined;
    if (next !== undefined) this.open(next);
    else if (this.conns.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.onEmpty?.();
    }
  }

  serialize(req: PoolRequest): string | Buffer {
    let head = `${req.method} ${req.path} HTTP/1.1\r\n${this.origin.hostLine}connection: keep-alive\r\n`;
    const headers = req.headers;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    const body = req.body;
    if (body === undefined) {
      return req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH' ? `${head}content-length: 0\r\n\r\n` : `${head}\r\n`;
    }
    if (typeof body === 'string') return `${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    head += `content-length: ${body.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, 'latin1'), body]);
  }
}

/** Printable ASCII, and space and tab where `blanks`: nothing that could end a line of the request head. */
function printable(s: string, blanks: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 126 || (c <= 32 && !(blanks && (c === 32 || c === 9)))) return false;
  }
  return true;
}

function checkRequest(req: PoolRequest): string | undefined {
  const method = req.method;
  if (method !== 'POST' && method !== 'GET' && !isToken(method)) return `bad method ${JSON.stringify(method)}`;
  const path = req.path;
  if (path.charCodeAt(0) !== 47 || !printable(path, false)) return `bad path ${JSON.stringify(path.slice(0, 200))}`;
  const headers = req.headers;
  for (const name in headers) {
    if (!checkedNames.has(name)) {
      if (!isToken(name) || name !== name.toLowerCase() || RESERVED_HEADERS.has(name)) return `header name ${JSON.stringify(name)} is invalid or set by the pool`;
      if (checkedNames.size < 256) checkedNames.add(name);
    }
    if (!printable(headers[name]!, true)) return `header ${name} has a value with characters outside printable ASCII`;
  }
  return undefined;
}

/**
 * A keep-alive HTTP/1.1 connection pool to one origin (`http://host:port`, or `https:` over
 * node:tls). One request per socket at a time, at most `connections` sockets, the rest queued in
 * order; idle sockets are reused last-in first-out and closed before the server's keep-alive
 * timeout. Small bodies are delivered whole (`body.buffered`); larger ones stream with
 * backpressure.
 */
export class HttpPool {
  #core: PoolCore;
  #closing: Promise<void> | undefined;

  constructor(origin: string, opts: HttpPoolOptions) {
    this.#core = new PoolCore(origin, opts);
  }

  request(req: PoolRequest): Promise<PoolResponse> {
    const core = this.#core;
    if (core.closed) return Promise.reject(new HttpPoolError('POOL_CLOSED', `the pool to ${core.origin.href} is closed`));
    const problem = checkRequest(req);
    if (problem !== undefined) return Promise.reject(new HttpPoolError('BAD_REQUEST', problem));
    const signal = req.signal;
    if (signal?.aborted) return Promise.reject(new HttpPoolError('ABORTED', 'the request was aborted', { cause: signal.reason }));
    const pending = new Pending(core, req);
    executorTarget = pending;
    const promise = new Promise<PoolResponse>(executor);
    executorTarget = null;
    signal?.addEventListener('abort', pending);
    const idle = core.idle.pop();
    if (idle !== undefined) idle.start(pending);
    else if (core.conns.size < core.opts.connections) core.open(pending);
    else core.queue.push(pending);
    return promise;
  }

  /** Sockets open, idle, and requests waiting for one (for metrics and tests). */
  stats(): { connections: number; idle: number; queued: number } {
    const core = this.#core;
    return { connections: core.conns.size, idle: core.idle.length, queued: core.queue.length };
  }

  /**
   * Refuses new requests, fails queued ones with POOL_CLOSED and closes idle sockets; requests in
   * flight finish (their bodies too) and their sockets close then. Resolves when no socket is left.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  #close(): Promise<void> {
    const core = this.#core;
    core.closed = true;
    const queued = core.queue.splice(0);
    for (const p of queued) {
      p.settle();
      p.reject(new HttpPoolError('POOL_CLOSED', `the pool to ${core.origin.href} is closed`));
    }
    for (const conn of [...core.idle]) conn.fail(null);
    if (core.conns.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      core.onEmpty = resolve;
    });
  }
}
