import { METHODS } from 'node:http';
import { isFieldValue } from './field-value.ts';
import { isToken } from './token.ts';

/** A request head the lean path can serve, with its framing worked out. */
export interface RequestHead {
  method: string;
  url: string;
  /** Lower-case names, values without surrounding whitespace (Latin-1, as node:http reads them). */
  headers: Record<string, string>;
  contentLength: number;
  /** Offset of the body in the buffer the head was read from. */
  bodyStart: number;
  /** Offset just past the body. */
  total: number;
  /** The client asked to close the connection after the reply. */
  close: boolean;
}

const REQUEST_LINE = /^([A-Z]{1,16}) (\/[\x21-\x7e]*) HTTP\/1\.1$/;
const DIGITS = /^[0-9]{1,15}$/;
/**
 * The methods llhttp parses as an ordinary request. It refuses any other (400), and CONNECT is
 * not a request to node:http (a 'connect' event, or the socket closed): both go to node:http.
 */
const REQUEST_METHODS = new Set(METHODS.filter((m) => m !== 'CONNECT'));
/**
 * More header lines than this go to node:http, which keeps only the first 1000 in req.headers:
 * served here, such a request would carry headers the node:http path never sees.
 */
const MAX_LINES = 100;

const isBlank = (c: number): boolean => c === 32 || c === 9;

/**
 * Parses the head in `buf[0, end)` (`end` = offset of the blank line's CRLFCRLF). Returns
 * undefined for anything the lean path leaves to node:http: other HTTP versions, chunked or
 * otherwise unusual framing, upgrades, `Expect`, repeated or malformed headers, folded lines.
 * Strict on purpose: a request is only served lean when its meaning is unambiguous.
 */
export function parseRequestHead(buf: Buffer, end: number): RequestHead | undefined {
  const text = buf.toString('latin1', 0, end);
  let eol = text.indexOf('\r\n');
  if (eol < 0) eol = text.length;
  const start = REQUEST_LINE.exec(text.slice(0, eol));
  if (start === null) return undefined;
  const method = start[1]!;
  if (method !== 'POST' && method !== 'GET' && !REQUEST_METHODS.has(method)) return undefined;
  const headers: Record<string, string> = {};
  let pos = eol + 2;
  let lines = 0;
  while (pos < text.length) {
    if (++lines > MAX_LINES) return undefined;
    let next = text.indexOf('\r\n', pos);
    if (next < 0) next = text.length;
    const colon = text.indexOf(':', pos);
    // A line without a colon, a folded line (leading blank) or a bad name: node:http decides.
    if (colon < 0 || colon > next || !isToken(text, pos, colon)) return undefined;
    let from = colon + 1;
    let to = next;
    while (from < to && isBlank(text.charCodeAt(from))) from++;
    while (to > from && isBlank(text.charCodeAt(to - 1))) {
      // llhttp ends a Content-Length or Connection value at spaces only: "5\t" is refused,
      // "close\t" is no close. node:http decides what a trailing tab means.
      if (text.charCodeAt(--to) === 9) return undefined;
    }
    if (!isFieldValue(text, from, to)) return undefined;
    const name = text.slice(pos, colon).toLowerCase();
    if (headers[name] !== undefined) return undefined;
    headers[name] = text.slice(from, to);
    pos = next + 2;
  }
  if (headers['transfer-encoding'] !== undefined || headers['upgrade'] !== undefined || headers['expect'] !== undefined || headers['host'] === undefined) return undefined;
  const cl = headers['content-length'];
  let contentLength = 0;
  if (cl !== undefined) {
    if (!DIGITS.test(cl)) return undefined;
    contentLength = Number(cl);
  }
  const connection = headers['connection'];
  const close = connection !== undefined && connection.toLowerCase().split(',').some((t) => t.trim() === 'close');
  const bodyStart = end + 4;
  return { method, url: start[2]!, headers, contentLength, bodyStart, total: bodyStart + contentLength, close };
}

/**
 * Whether `buf[0, end)` holds a line feed not preceded by a carriage return. llhttp refuses such a
 * head at once (400), while the lean path, looking for CRLFCRLF, would otherwise wait for the
 * headers timeout: a head with a bare LF is handed to node:http as soon as it is seen.
 */
export function hasBareLineFeed(buf: Buffer, end: number = buf.length): boolean {
  for (let i = buf.indexOf(10); i >= 0 && i < end; i = buf.indexOf(10, i + 1)) {
    if (i === 0 || buf[i - 1] !== 13) return true;
  }
  return false;
}
