import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createConnection } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/**
 * Literal wire bytes for conformance tests: requests are written to a raw TCP socket exactly as
 * given (header order and case, body bytes), so a codec bug cannot hide behind a client library
 * that "fixes" the request on its way out.
 */

/** One request as recorded in `shared/wire-captures/*.jsonl`. */
export interface CaptureLine {
  realm: 'admin' | 'reseller' | 'customer' | 'account';
  method: string;
  url: string;
  /** Header names in the order they went on the wire. */
  headers: Record<string, string>;
  body: string;
}

/** A parsed HTTP/1.1 reply. Header names are lower-cased; repeated headers keep their last value. */
export interface WireReply {
  status: number;
  headers: Record<string, string>;
  /** The body as it arrived (de-chunked when the reply was chunked, still content-encoded). */
  raw: Buffer;
  /** The body decoded as the captured clients do (`Content-Encoding` gzip/deflate/br undone). */
  text: string;
}

/**
 * The shared captures folder: `<repo>/../shared/wire-captures/` (the same in CI and locally), or
 * `WIRE_CAPTURES_DIR` when set (a git worktree that does not sit next to `shared/`).
 */
export const CAPTURES_DIR = process.env.WIRE_CAPTURES_DIR
  ? pathToFileURL(`${process.env.WIRE_CAPTURES_DIR.replace(/\/+$/, '')}/`)
  : new URL('../../../shared/wire-captures/', import.meta.url);

/** Reads one JSONL capture file, one request a line, in recorded order. */
export function loadCaptures(fileName: string): CaptureLine[] {
  const text = readFileSync(new URL(fileName, CAPTURES_DIR), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CaptureLine);
}

/** Serialises a request: request line, headers in the given order, blank line, body. */
export function buildRequest(method: string, path: string, headers: ReadonlyArray<readonly [string, string]>, body: Buffer | string = ''): Buffer {
  const head = `${method} ${path} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

/** `host:port` of a listener URL, as a Host header carries it. */
export function hostOf(url: string): string {
  return new URL(url).host;
}

/**
 * Turns a capture line into the bytes to send to `baseUrl`: the Host header gets this run's port;
 * every key of `substitutions` (a captured token) is replaced by its value in the Authorization
 * header and the body. Everything else stays byte-for-byte; `content-length` is recomputed only
 * when a substitution changed the body's length.
 */
export function captureToBytes(line: CaptureLine, baseUrl: string, substitutions: ReadonlyMap<string, string> = new Map()): Buffer {
  const swap = (s: string): string => {
    let out = s;
    for (const [from, to] of substitutions) out = out.split(from).join(to);
    return out;
  };
  const body = swap(line.body);
  const bodyBytes = Buffer.from(body, 'utf8');
  const bodyChanged = body !== line.body;
  const headers: Array<[string, string]> = Object.entries(line.headers).map(([name, value]) => {
    const lower = name.toLowerCase();
    if (lower === 'host') return [name, hostOf(baseUrl)];
    if (lower === 'authorization') return [name, swap(value)];
    if (lower === 'content-length' && bodyChanged) return [name, String(bodyBytes.length)];
    return [name, value];
  });
  return buildRequest(line.method, line.url, headers, bodyBytes);
}

/** Options of {@link sendRaw}. */
export interface SendOptions {
  /** Give up after this many milliseconds (default 10 000). */
  timeoutMs?: number;
}

/**
 * Writes `bytes` to the listener of `baseUrl` on a fresh TCP connection and reads one HTTP reply.
 * The request is written in slices with back-pressure and writing stops as soon as the reply
 * starts, so a server that refuses a huge body early is observed the way a client sees it.
 */
export function sendRaw(baseUrl: string, bytes: Buffer, options: SendOptions = {}): Promise<WireReply> {
  const u = new URL(baseUrl);
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise<WireReply>((resolve, reject) => {
    const socket = createConnection({ host: u.hostname, port: Number(u.port) });
    let received = Buffer.alloc(0);
    let settled = false;
    let replyStarted = false;
    const finish = (err: Error | undefined, reply?: WireReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (reply) resolve(reply);
      else reject(err ?? new Error('no reply'));
    };
    const timer = setTimeout(() => finish(new Error(`no complete reply within ${timeoutMs} ms; got ${received.length} bytes`)), timeoutMs);

    const tryParse = (ended: boolean): void => {
      const parsed = parseReply(received, ended);
      if (parsed) finish(undefined, parsed);
      else if (ended) finish(new Error(`connection closed before a complete reply (${received.length} bytes: ${JSON.stringify(received.subarray(0, 200).toString('latin1'))})`));
    };

    socket.on('data', (chunk: Buffer) => {
      replyStarted = true;
      received = Buffer.concat([received, chunk]);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('error', (err) => {
      // A server may reset after replying to a refused upload: the reply read so far counts.
      const parsed = parseReply(received, true);
      if (parsed) finish(undefined, parsed);
      else finish(err);
    });
    socket.on('connect', () => {
      const slice = 64 * 1024;
      let offset = 0;
      const pump = (): void => {
        while (offset < bytes.length && !replyStarted && !settled) {
          const part = bytes.subarray(offset, offset + slice);
          offset += part.length;
          if (!socket.write(part)) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  });
}

/** Parses one complete HTTP/1.1 reply, or returns undefined when more bytes are needed. */
function parseReply(buf: Buffer, ended: boolean): WireReply | undefined {
  return parseReplyAt(buf, ended)?.reply;
}

function parseReplyAt(buf: Buffer, ended: boolean): { reply: WireReply; consumed: number } | undefined {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...headerLines] = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) throw new Error(`not an HTTP reply: ${JSON.stringify(statusLine)}`);
  const status = Number(m[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = buf.subarray(headEnd + 4);
  let body: { raw: Buffer; used: number } | undefined;
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) body = { raw: Buffer.alloc(0), used: 0 };
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(rest);
  else if (headers['content-length'] !== undefined) {
    const len = Number(headers['content-length']);
    body = rest.length >= len ? { raw: rest.subarray(0, len), used: len } : undefined;
  } else if (ended) body = { raw: rest, used: rest.length };
  if (body === undefined) return undefined;
  const reply = { status, headers, raw: body.raw, text: decode(body.raw, headers['content-encoding']).toString('utf8') };
  return { reply, consumed: headEnd + 4 + body.used };
}

function decode(raw: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '').toLowerCase()) {
    case 'gzip': return gunzipSync(raw);
    case 'deflate': return inflateSync(raw);
    case 'br': return brotliDecompressSync(raw);
    default: return raw;
  }
}

/** Decodes a complete chunked body (and how many bytes it used), or undefined while incomplete. */
function dechunk(buf: Buffer): { raw: Buffer; used: number } | undefined {
  const parts: Buffer[] = [];
  let pos = 0;
  for (let guard = 0; guard < 1_000_000; guard++) {
    const lineEnd = buf.indexOf('\r\n', pos);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size');
    if (size === 0) {
      const trailerEnd = buf.indexOf('\r\n\r\n', lineEnd);
      if (trailerEnd < 0) return undefined;
      return { raw: Buffer.concat(parts), used: trailerEnd + 4 };
    }
    const start = lineEnd + 2;
    if (buf.length < start + size + 2) return undefined;
    parts.push(buf.subarray(start, start + size));
    pos = start + size + 2;
  }
  throw new Error('too many chunks');
}

/**
 * Sends several requests one after another on ONE keep-alive connection (as python-requests and
 * Guzzle reuse their sockets), reading each reply before writing the next request.
 */
export function sendSequence(baseUrl: string, requests: readonly Buffer[], options: SendOptions = {}): Promise<WireReply[]> {
  const u = new URL(baseUrl);
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise<WireReply[]>((resolve, reject) => {
    const socket = createConnection({ host: u.hostname, port: Number(u.port) });
    const replies: WireReply[] = [];
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    const timer = setTimeout(() => finish(new Error(`sequence: ${replies.length}/${requests.length} replies within ${timeoutMs} ms`)), timeoutMs);
    const next = (): void => {
      const req = requests[replies.length];
      if (req === undefined) finish();
      else socket.write(req);
    };
    const drain = (ended: boolean): void => {
      for (let guard = 0; guard < requests.length + 1 && !settled; guard++) {
        const parsed = parseReplyAt(received, ended);
        if (!parsed) break;
        replies.push(parsed.reply);
        received = received.subarray(parsed.consumed);
        next();
      }
      if (ended && !settled) finish(new Error(`connection closed after ${replies.length}/${requests.length} replies`));
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      drain(false);
    });
    socket.on('end', () => drain(true));
    socket.on('error', (err) => finish(err));
    socket.on('connect', next);
  });
}

/** Sends a capture line (see {@link captureToBytes}) and reads the reply. */
export function replayCapture(line: CaptureLine, baseUrl: string, substitutions: ReadonlyMap<string, string> = new Map()): Promise<WireReply> {
  return sendRaw(baseUrl, captureToBytes(line, baseUrl, substitutions));
}

/**
 * A literal `application/json` request as the captured Python client sends it, with an optional
 * Bearer token; `body` is sent exactly as given.
 */
export function jsonRequest(baseUrl: string, path: string, body: string, accessToken?: string): Buffer {
  const headers: Array<[string, string]> = [
    ['Host', hostOf(baseUrl)],
    ['User-Agent', 'conformance-test'],
    ['Accept', '*/*'],
    ['Content-Type', 'application/json'],
  ];
  if (accessToken !== undefined) headers.push(['Authorization', `Bearer ${accessToken}`]);
  headers.push(['Content-Length', String(Buffer.byteLength(body))]);
  return buildRequest('POST', path, headers, body);
}

/** A literal form-urlencoded request; `body` is the already-encoded form text. */
export function formRequest(baseUrl: string, path: string, body: string): Buffer {
  return buildRequest('POST', path, [
    ['Host', hostOf(baseUrl)],
    ['Content-Type', 'application/x-www-form-urlencoded'],
    ['Content-Length', String(Buffer.byteLength(body))],
  ], body);
}

/**
 * A literal multipart/form-data request built by hand: one text part per field, in order,
 * CRLF line ends, closing delimiter with `--`.
 */
export function multipartRequest(baseUrl: string, path: string, fields: ReadonlyArray<readonly [string, string]>, boundary = '----conformance7MA4YWxkTrZu0gW'): Buffer {
  const body = fields
    .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
    .join('') + `--${boundary}--\r\n`;
  return buildRequest('POST', path, [
    ['Host', hostOf(baseUrl)],
    ['Content-Type', `multipart/form-data; boundary=${boundary}`],
    ['Content-Length', String(Buffer.byteLength(body))],
  ], body);
}

/** A JWT's payload, decoded without checking the signature (as real clients do). */
export function decodeJwtPayload(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) throw new Error(`not a 3-part base64url JWT: ${token}`);
  return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Every JWT-looking string in a text (captured access tokens start with `eyJ`). */
export function jwtsIn(text: string): string[] {
  return [...new Set(text.match(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g) ?? [])];
}
