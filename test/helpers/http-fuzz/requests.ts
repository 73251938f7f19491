import fc from 'fast-check';
import { METHODS } from 'node:http';

/**
 * Generators of raw HTTP/1.1 request bytes for differential fuzzing against llhttp. Most requests
 * are well formed, so that both parsers get far enough to disagree; the others have parts bent
 * into what parsers get wrong — odd methods and targets, every byte class in names and values,
 * conflicting framing, chunk sizes and extensions, obs-fold, bare LF, NUL, over-long lines. They
 * are pipelined and written in pieces cut at random byte boundaries.
 * Every string is Latin-1: one character per byte.
 */

/** `plain`, or, in a bent request, sometimes `bent`. */
const or = <T>(bend: number, plain: fc.Arbitrary<T>, bent: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  bend === 0 ? plain : fc.oneof({ weight: 10, arbitrary: plain }, { weight: bend, arbitrary: bent });

const byteIn = (lo: number, hi: number): fc.Arbitrary<string> => fc.integer({ min: lo, max: hi }).map((c) => String.fromCharCode(c));

/** One byte of a class: what matters to a parser is which class, not which byte. */
const byteClass: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'abcxyzABCXYZ0189-_.~!$&\'*+^`|') },
  { weight: 2, arbitrary: fc.constantFrom(' ', '\t') },
  { weight: 2, arbitrary: fc.constantFrom('"', '(', ')', ',', '/', ':', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}', '#', '%') },
  { weight: 1, arbitrary: byteIn(0x80, 0xff) },
  { weight: 1, arbitrary: byteIn(0x00, 0x1f) },
  { weight: 1, arbitrary: fc.constantFrom('\x7f', '\x00', '\r', '\n', '\x0b', '\x0c') },
);
const bytesOf = (max: number): fc.Arbitrary<string> => fc.array(byteClass, { maxLength: max }).map((a) => a.join(''));

const word = fc.stringMatching(/^[a-zA-Z0-9._~-]{1,8}$/);
/** What a field value may hold: visible ASCII, spaces, tabs inside, obs-text. */
const plainValue = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[!-~]([ -~]{0,14}[!-~])?$/) },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.array(fc.oneof(byteIn(0x21, 0x7e), byteIn(0x80, 0xff), fc.constantFrom(' ', '\t')), { minLength: 1, maxLength: 10 }).map((a) => `x${a.join('')}x`) },
);

const KNOWN = METHODS.filter((m) => m !== 'CONNECT');
const method = (bend: number): fc.Arbitrary<string> => or(bend,
  fc.oneof({ weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH') }, { weight: 2, arbitrary: fc.constantFrom(...KNOWN) }),
  fc.oneof(
    fc.constant('CONNECT'),
    fc.constantFrom('get', 'Post', 'FOO', 'GETS', 'GE', 'PRI', 'M-SEARCH', 'PROPFINDX', 'QUERYX', 'HEADX', 'POSTPOSTPOSTPOST', 'BREW', 'LOCKS', 'CONNECTX', 'CONNEC'),
    fc.stringMatching(/^[A-Z]{1,17}$/),
    bytesOf(6),
  ));

const query = fc.oneof(fc.constantFrom('a=1', 'a=1&b=%20', 'q', 'x=?y', 'a=b#c', '', 'a=%C3%A9'), fc.stringMatching(/^[a-z0-9=&%]{0,10}$/));
const target = (bend: number): fc.Arbitrary<string> => or(bend,
  fc.oneof(
    { weight: 3, arbitrary: fc.array(word, { maxLength: 4 }).map((s) => `/${s.join('/')}`) },
    { weight: 1, arbitrary: fc.tuple(fc.array(word, { maxLength: 3 }), query).map(([s, q]) => `/${s.join('/')}?${q}`) },
    { weight: 1, arbitrary: fc.stringMatching(/^\/[!-~]{0,12}$/) },
  ),
  fc.oneof(
    fc.constantFrom('*', '', 'http://host/x', 'HTTP://h:80/', '//x', '/a#frag', '/%zz', '/%', '/a b', '/\x80', 'x', '/..', '/?', '/#', '/a?b#c#d', 'host:443', '/a\tb', '/a\x0cb', '/\x7f'),
    bytesOf(8).map((s) => `/${s}`),
  ));

const version = (bend: number): fc.Arbitrary<string> => or(bend, fc.constant('HTTP/1.1'),
  fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.2', 'http/1.1', 'HTTP/1.10', 'HTTP/01.1', 'HTTP/1', 'HTTP/1.1 ', 'HTTPS/1.1', 'HTTP/3.0', '', 'HTTP/1.1\x00'));

const sp = (bend: number): fc.Arbitrary<string> => or(bend, fc.constant(' '), fc.constantFrom('  ', '\t', '', ' \t', '\x0b', '\x00'));

/** Line endings: CRLF, in a bent request sometimes a bare LF or CR, or something worse. */
const eol = (bend: number): fc.Arbitrary<string> => or(bend, fc.constant('\r\n'), fc.constantFrom('\n', '\r', '\r\r\n', '\n\r', '\r\n ', '\r\n\t', '\r\x00\n'));

/** Whitespace around a value: none or spaces, in a bent request tabs and worse. */
const ows = (bend: number): fc.Arbitrary<string> => or(bend, fc.constantFrom('', '', ' ', '  '), fc.constantFrom('\t', ' \t', '\t ', '\x0b', '\x0c', '\x00', '\r'));

const contentLengthValue = (bend: number, length: number): fc.Arbitrary<string> => or(bend, fc.constant(String(length)),
  fc.oneof(
    fc.constantFrom(`0${length}`, `00${length}`, `+${length}`, `-${length}`, `${length}\t`, `\t${length}`, `${length}\t `, `${length} \t`, `${length},${length}`, `${length}, ${length}`, `${length} ${length}`, `${length}.0`, `0x${length.toString(16)}`, '', `${length}a`, `${length}\x00`, '99999999999999999999', '18446744073709551616', '1000000000000000', '999999999999999'),
    fc.integer({ min: 0, max: 40 }).map(String),
  ));

const transferEncodingValue = (bend: number): fc.Arbitrary<string> => or(bend, fc.constant('chunked'),
  fc.constantFrom('Chunked', 'CHUNKED', 'chunked ', ' chunked', 'chunked\t', 'chunked, chunked', 'gzip, chunked', 'chunked, gzip', 'identity', 'gzip', 'chunked;q=1', 'chunked,', ',chunked', 'chunkedx', 'chunk', 'x-custom', 'identity, chunked', ''));

const connectionValue = (bend: number): fc.Arbitrary<string> => or(bend, fc.constantFrom('close', 'keep-alive', 'Close', 'Keep-Alive', 'keep-alive, close', 'te'),
  fc.constantFrom('CLOSE', 'close, keep-alive', 'x, close', 'closex', 'close ', 'upgrade', 'Upgrade', 'close,upgrade', ' close', 'clo se', 'keep-alive, upgrade', ',close', 'close,', 'close;', 'close x', 'x close', '"close"', 'close\t', 'keep-alive\t', 'c lose', 'closeclose', 'close, close'));

const otherName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('X-Tag', 'Accept', 'User-Agent', 'Cookie', 'Authorization', 'Content-Type', 'X-Forwarded-For', 'Te', 'Trailer', 'Proxy-Connection', 'Keep-Alive', 'Set-Cookie', 'Referer', 'Max-Forwards', 'From', 'Via', 'Content-Encoding', 'Content-Lengths', 'Transfer-Encodings', 'Hosts') },
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/) },
);
const bentName = fc.oneof(
  fc.constantFrom('Host ', ' Host', 'Ho st', 'Host\t', 'Content-Length ', 'Transfer-Encoding ', 'X:Y', '', 'Content_Length', 'Content-Length\x00', 'X\x80', '(x)', 'x@y', 'x"', 'x{', 'x/y', 'x\x7f', 'x,y', 'x=y', 'x[', 'x;'),
  bytesOf(6),
);

/** A header line without its line ending: name, colon, optional whitespace, value, optional whitespace. */
const line = (bend: number, name: fc.Arbitrary<string>, value: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(name, ows(bend), value, ows(bend), or(bend, fc.constant(':'), fc.constantFrom(' :', '', '::', ': ', '\t:'))).map(([n, a, v, b, colon]) => `${n}${colon}${a}${v}${b}`);

const otherHeader = (bend: number): fc.Arbitrary<string> => or(bend,
  fc.oneof(
    { weight: 10, arbitrary: line(0, otherName, plainValue) },
    { weight: 1, arbitrary: line(0, fc.constantFrom('Connection', 'connection'), connectionValue(0)) },
  ),
  fc.oneof(
    line(bend, otherName, or(bend, plainValue, bytesOf(10))),
    line(bend, bentName, plainValue),
    line(bend, fc.constantFrom('Connection', 'connection', 'CONNECTION'), connectionValue(bend)),
    line(bend, fc.constantFrom('Upgrade', 'Expect', 'expect'), fc.constantFrom('websocket', 'h2c', '100-continue', '100-Continue', 'x')),
    // obs-fold: a value continued on the next line.
    fc.tuple(otherName, plainValue, fc.constantFrom('\r\n ', '\r\n\t', '\r\n  ', '\n ')).map(([n, v, fold]) => `${n}: ${v}${fold}more`),
    fc.constantFrom('', ' ', ':', ': x', 'no colon', '\x00', 'X-Nul: a\x00b', 'X-Cr: a\rb', 'X-Lf: a\nb', 'X-Del: a\x7fb', 'X-Obs: caf\xe9', 'X-Tab: a\tb', 'X-Ff: a\x0cb', 'X-Vt: \x0b', 'X-Esc: \x1b[0m'),
  ));

/** 95 … 1100 distinct header lines (node:http keeps only the first 1000 in req.headers). */
const manyHeaders = fc.integer({ min: 95, max: 1100 }).map((n) => Array.from({ length: n }, (_, i) => `x${i}: ${i}`));

/** A line around node:http's 16 KiB head limit. */
const longLine = fc.integer({ min: 16_250, max: 16_400 }).map((n) => `X-Long: ${'a'.repeat(n)}`);

const chunkSize = (bend: number, n: number): fc.Arbitrary<string> => or(bend, fc.constantFrom(n.toString(16), n.toString(16).toUpperCase()),
  fc.constantFrom(`0${n.toString(16)}`, `${n.toString(16)} `, `${n.toString(16)}\t`, ` ${n.toString(16)}`, `0x${n.toString(16)}`, `+${n.toString(16)}`, '', 'g', 'ffffffffffffffffff', '-1', `${n.toString(16)}\x00`));
const chunkExt = (bend: number): fc.Arbitrary<string> => or(bend, fc.constantFrom('', '', '', ';a=b', ';a'),
  fc.constantFrom(';', '; a=b', ';a="b c"', ';a="\\"x"', ';a=b;c=d', ' ;a=b', ';a=\x01', ';\x80', ';a=b c', ';a="b', ';a=\r', ';a\n'));

const chunk = (bend: number): fc.Arbitrary<string> => fc.tuple(fc.stringMatching(/^[a-z0-9\r\n]{0,12}$/), or(bend, fc.constant(0), fc.integer({ min: -2, max: 2 })))
  .chain(([data, delta]) => fc.tuple(chunkSize(bend, Math.max(0, data.length + delta)), chunkExt(bend), fc.constant(data), eol(bend)).map(([size, ext, d, end]) => `${size}${ext}\r\n${d}${end}`));

const chunkedBody = (bend: number): fc.Arbitrary<string> => fc.tuple(
  fc.array(chunk(bend), { maxLength: 3 }),
  or(bend, fc.constant('0'), fc.constantFrom('00', '0 ', '0\t', ' 0', '000000000000000000000')),
  chunkExt(bend),
  or(bend, fc.constantFrom('', '', 'X-T: 1\r\n'), fc.constantFrom('bad trailer\r\n', 'Content-Length: 5\r\n', 'Transfer-Encoding: chunked\r\n', 'X: \x01\r\n', ' x\r\n')),
  or(bend, fc.constant('\r\n'), fc.constantFrom('\n', '', '\r', 'x\r\n')),
).map(([chunks, last, ext, trailer, end]) => `${chunks.join('')}${last}${ext}\r\n${trailer}${end}`);

type Framing = 'none' | 'length' | 'chunked' | 'both' | 'two-lengths';

/** One request, its body framed (or, bent, misframed) one way or another. `bend` 0 = well formed. */
export const request = (bend: number): fc.Arbitrary<string> => fc.record({
  method: method(bend), target: target(bend), version: version(bend), sp1: sp(bend), sp2: sp(bend), lineEnd: eol(bend),
  host: or(bend, fc.constantFrom('Host: a', 'host: example.com', 'HOST:a:80'), fc.constantFrom('', 'Host:', 'Host: a b', 'Host: a\r\nHost: b', 'Host : a', 'Host: \x01', 'Host: a\t')),
  hostFirst: fc.boolean(),
  others: fc.oneof(
    { weight: 40, arbitrary: fc.array(otherHeader(bend), { maxLength: 5 }) },
    { weight: 1, arbitrary: manyHeaders },
    { weight: 1, arbitrary: longLine.map((l) => [l]) },
  ),
  framing: or<Framing>(bend, fc.constantFrom('none', 'length', 'length', 'length', 'chunked'), fc.constantFrom('both', 'two-lengths')),
  bodyText: or(bend, fc.stringMatching(/^[a-z0-9{}":,\r\n]{0,20}$/), bytesOf(12)),
  lengthDelta: or(bend, fc.constant(0), fc.integer({ min: -3, max: 3 })),
  chunked: chunkedBody(bend),
  endOfHead: eol(bend),
  position: fc.nat(),
}).chain((r) => {
  const length = Math.max(0, r.bodyText.length + r.lengthDelta);
  const cl = line(bend, fc.constantFrom('Content-Length', 'content-length', 'CONTENT-LENGTH'), contentLengthValue(bend, length));
  const te = line(bend, fc.constantFrom('Transfer-Encoding', 'transfer-encoding'), transferEncodingValue(bend));
  const framing: fc.Arbitrary<string[]> =
    r.framing === 'length' ? cl.map((l) => [l])
    : r.framing === 'chunked' ? te.map((l) => [l])
    : r.framing === 'both' ? fc.tuple(cl, te)
    : r.framing === 'two-lengths' ? fc.tuple(cl, cl)
    : fc.constant([]);
  return framing.map((framingLines) => {
    const lines = [...r.others];
    // Framing headers land anywhere among the others; Host first or last.
    for (const l of framingLines) lines.splice(r.position % (lines.length + 1), 0, l);
    if (r.host !== '') {
      if (r.hostFirst) lines.unshift(r.host);
      else lines.push(r.host);
    }
    const head = `${r.method}${r.sp1}${r.target}${r.sp2}${r.version}${r.lineEnd}${lines.map((l) => `${l}\r\n`).join('')}${r.endOfHead}`;
    const body = r.framing === 'chunked' || r.framing === 'both' ? r.chunked : r.framing === 'length' || r.framing === 'two-lengths' ? r.bodyText : '';
    return head + body;
  });
});

export interface FuzzCase {
  /** The bytes, Latin-1. */
  bytes: string;
  /** Offsets where the bytes are cut into separate writes (ascending, inside the bytes). */
  cuts: number[];
}

const anyRequest = fc.oneof({ weight: 3, arbitrary: request(0) }, { weight: 1, arbitrary: request(1) }, { weight: 1, arbitrary: request(4) });

/** One to four requests pipelined, sometimes with a stray prefix or suffix, cut at random offsets. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.tuple(
  fc.array(anyRequest, { minLength: 1, maxLength: 4 }),
  or(1, fc.constant(''), fc.constantFrom('\r\n', '\n', ' ', '\x00', '\r\n\r\n', 'x')),
  or(1, fc.constant(''), fc.constantFrom('\r\n', 'GET', 'GET / HTTP/1.1\r\nHost: a\r\n', 'x', '\x00', '\n')),
).chain(([requests, prefix, suffix]) => {
  const bytes = prefix + requests.join('') + suffix;
  const cuts = fc.oneof(
    { weight: 6, arbitrary: fc.constant([]) },
    { weight: 6, arbitrary: fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 4 }) },
    // Every byte boundary, for short requests.
    { weight: 1, arbitrary: fc.constant(bytes.length <= 160 ? Array.from({ length: Math.max(0, bytes.length - 1) }, (_, i) => i + 1) : []) },
  );
  return cuts.map((c) => ({ bytes, cuts: c.filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b) }));
});
