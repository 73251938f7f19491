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
// Control characters other than HTAB are exactly what a header value must not contain.
// eslint-disable-next-line no-control-regex
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*$/;
const DIGITS = /^[0-9]{1,15}$/;

/**
 * Parses the head in `buf[0, end)` (`end` = offset of the blank line's CRLFCRLF). Returns
 * undefined for anything the lean path leaves to node:http: other HTTP versions, chunked or
 * otherwise unusual framing, upgrades, `Expect`, repeated or malformed headers, folded lines.
 * Strict on purpose: a request is only served lean when its meaning is unambiguous.
 */
export function parseRequestHead(buf: Buffer, end: number): RequestHead | undefined {
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const start = REQUEST_LINE.exec(lines[0]!);
  if (start === null) return undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const m = HEADER_LINE.exec(lines[i]!);
    if (m === null) return undefined;
    const name = m[1]!.toLowerCase();
    if (headers[name] !== undefined) return undefined;
    headers[name] = m[2]!;
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
  return { method: start[1]!, url: start[2]!, headers, contentLength, bodyStart, total: bodyStart + contentLength, close };
}
