import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpPool, type HttpPoolOptions, type PoolResponse } from './http-pool.ts';

type AfterHook = { after(fn: () => unknown): void };

const FAST: HttpPoolOptions = { connections: 4, connectTimeoutMs: 1000, headersTimeoutMs: 2000, bodyTimeoutMs: 2000, keepAliveTimeoutMs: 30_000 };

async function listen<S extends HttpServer | NetServer>(t: AfterHook, server: S): Promise<{ server: S; origin: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const { port } = server.address() as { port: number };
  return { server, origin: `http://127.0.0.1:${port}`, sockets };
}

function httpServer(t: AfterHook, handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  return listen(t, createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  }));
}

interface RawRequest { head: string; path: string; body: Buffer; n: number }

/** A server speaking HTTP by hand: `onRequest` gets each request (head parsed just enough) and answers on the socket as it likes. */
function rawServer(t: AfterHook, onRequest: (socket: Socket, req: RawRequest) => void) {
  let n = 0;
  return listen(t, createNetServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const body = buf.subarray(end + 4, end + 4 + length);
        buf = buf.subarray(end + 4 + length);
        onRequest(socket, { head, path: head.split(' ')[1]!, body, n: n++ });
      }
    });
  }));
}

/** Writes `pieces` one by one with a pause between them, so the client reads them in separate chunks. */
async function trickle(socket: Socket, pieces: Array<string | Buffer>): Promise<void> {
  for (const p of pieces) {
    if (socket.destroyed) return;
    socket.write(p);
    await sleep(3);
  }
}

function pool(t: AfterHook, origin: string, opts: Partial<HttpPoolOptions> = {}): HttpPool {
  const p = new HttpPool(origin, { ...FAST, ...opts });
  t.after(() => p.close());
  return p;
}

const post = (p: HttpPool, path = '/rest/x', body = '{}', signal?: AbortSignal): Promise<PoolResponse> =>
  p.request({ method: 'POST', path, headers: { 'content-type': 'application/json', 'x-request-id': 'r1' }, body, signal });

async function rejectsWith(promise: Promise<unknown>, codes: string | string[]): Promise<void> {
  const allowed = Array.isArray(codes) ? codes : [codes];
  await assert.rejects(promise, (err: { code?: string }) => {
    assert.ok(allowed.includes(err.code ?? ''), `expected ${allowed.join(' or ')}, got ${err.code} (${String(err)})`);
    return true;
  });
}

test('sequential requests reuse one socket; the server sees method, path, host, headers and body', async (t) => {
  const seen: Array<{ method: string; url: string; host: string; type: string; id: string; body: string }> = [];
  const { origin, server } = await httpServer(t, (req, res, body) => {
    seen.push({ method: req.method!, url: req.url!, host: req.headers.host!, type: req.headers['content-type']!, id: String(req.headers['x-request-id']), body });
    res.setHeader('content-type', 'application/json');
    res.setHeader('set-cookie', ['a=1', 'b=2']);
    res.end(JSON.stringify({ n: seen.length, echo: body }));
  });
  let connections = 0;
  server.on('connection', () => connections++);
  const p = pool(t, origin);
  for (let i = 0; i < 5; i++) {
    const res = await post(p, `/rest/Customer/get_customer_info?i=${i}`, JSON.stringify({ params: { i, name: 'Ünïcode ✓' } }));
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2'], 'a repeated header is an array');
    assert.ok(res.body.buffered !== undefined, 'a small reply arrives whole');
    assert.deepEqual(JSON.parse(await res.body.text()), { n: i + 1, echo: JSON.stringify({ params: { i, name: 'Ünïcode ✓' } }) });
  }
  assert.equal(connections, 1);
  assert.deepEqual(seen[2], {
    method: 'POST', url: '/rest/Customer/get_customer_info?i=2', host: origin.slice('http://'.length), type: 'application/json', id: 'r1',
    body: JSON.stringify({ params: { i: 2, name: 'Ünïcode ✓' } }),
  });
  assert.deepEqual(p.stats(), { connections: 1, idle: 1, queued: 0 });
});

test('at most `connections` sockets; further requests wait and are sent in the order they came', async (t) => {
  const waiting: Array<{ path: string; socket: Socket }> = [];
  const { origin, sockets } = await rawServer(t, (socket, req) => waiting.push({ path: req.path, socket }));
  const p = pool(t, origin, { connections: 2 });
  const results: string[] = [];
  const all = [1, 2, 3, 4, 5].map((i) => post(p, `/r${i}`).then(async (res) => { results.push(`${i}:${await res.body.text()}`); }));
  while (waiting.length < 2) await sleep(5);
  assert.equal(sockets.size, 2);
  assert.deepEqual(p.stats(), { connections: 2, idle: 0, queued: 3 });
  const order: string[] = [];
  while (order.length < 5) {
    while (waiting.length === 0) await sleep(5);
    const { path, socket } = waiting.shift()!;
    order.push(path);
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n${path}`);
  }
  await Promise.all(all);
  assert.deepEqual(order.slice(0, 2).sort(), ['/r1', '/r2']);
  assert.deepEqual(order.slice(2), ['/r3', '/r4', '/r5']);
  assert.equal(sockets.size, 2, 'no socket beyond the cap was ever opened');
  assert.equal(results.length, 5);
});

test('a response split across many reads (head split mid-line, informational response first) is parsed, with Content-Length and chunked bodies', async (t) => {
  const { origin, sockets } = await rawServer(t, (socket, req) => {
    if (req.path === '/length') {
      void trickle(socket, ['HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Le', 'ngth: 11\r\nX-A: 1\r\n', 'x-a:  2 \r', '\n\r', '\nhello', ' world']);
    } else if (req.path === '/chunked') {
      void trickle(socket, ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r', '\nhello\r\n6;ext=1\r\n wor', 'ld\r', '\n1', '0\r\n', Buffer.alloc(16, 0x21), '\r\n0\r\nX-Trailer: 1\r\n', '\r\n']);
    } else {
      // One byte per write.
      const reply = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
      void trickle(socket, [...reply]);
    }
  });
  const p = pool(t, origin);
  const a = await post(p, '/length');
  assert.equal(a.statusCode, 200);
  assert.deepEqual(a.headers['x-a'], ['1', '2'], 'names lower-cased, values trimmed, repeats in an array');
  assert.equal(a.body.buffered?.toString(), 'hello world');
  const b = await post(p, '/chunked');
  assert.equal(b.body.buffered?.toString(), `hello world${'!'.repeat(16)}`);
  assert.equal(b.headers['x-trailer'], undefined, 'trailers are ignored');
  const c = await post(p, '/bytes');
  assert.equal(await c.body.text(), 'abc');
  assert.equal(sockets.size, 1, 'the socket was reused after each framing');
});

test('bodies of many reads, on several sockets at once, each arrive whole and stay intact after later reads', async (t) => {
  const bodyOf = (n: number, size: number): Buffer => Buffer.alloc(size, `${n}abcdefghijklmnopqrstuvwxyz`);
  const { origin } = await rawServer(t, (socket, req) => {
    const n = Number(req.path.slice(1));
    const body = bodyOf(n, n % 2 === 0 ? 300_000 : 1_000);
    const reply = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`), body]);
    // Large ones in pieces a few ms apart, so the sockets' reads interleave; small ones whole, head and body in one read.
    void trickle(socket, n % 2 === 0 ? [reply.subarray(0, 100), reply.subarray(100, 150_000), reply.subarray(150_000)] : [reply]);
  });
  const p = pool(t, origin, { connections: 3 });
  const first = await Promise.all([0, 1, 2].map((n) => post(p, `/${n}`)));
  const later = await Promise.all([3, 4, 5, 6].map((n) => post(p, `/${n}`)));
  for (const [i, res] of [...first, ...later].entries()) {
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.buffered?.equals(bodyOf(i, i % 2 === 0 ? 300_000 : 1_000)), `body ${i} is whole and its own`);
  }
});

test('a 5 MiB body streams with backpressure, with Content-Length and chunked', async (t) => {
  const chunk = Buffer.alloc(64 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i % 251;
  const total = 80 * chunk.length;
  const expected = createHash('sha256');
  for (let i = 0; i < 80; i++) expected.update(chunk);
  const digest = expected.digest('hex');
  const { origin } = await httpServer(t, (req, res) => {
    if (req.url === '/length') res.setHeader('content-length', total);
    let i = 0;
    const write = (): void => {
      while (i < 80) {
        i++;
        if (!res.write(chunk)) {
          res.once('drain', write);
          return;
        }
      }
      res.end();
    };
    write();
  });
  const p = pool(t, origin);
  for (const path of ['/length', '/chunked', '/length']) {
    const res = await p.request({ method: 'GET', path, headers: {} });
    assert.equal(res.body.buffered, undefined, `${path}: a body over the cap is streamed`);
    const hash = createHash('sha256');
    let size = 0;
    // A slow reader: the socket must pause rather than buffer without bound.
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(c: Buffer, _enc, cb) {
        hash.update(c);
        size += c.length;
        setImmediate(cb);
      },
    });
    res.body.stream().pipe(sink);
    await once(sink, 'finish');
    assert.equal(size, total, path);
    assert.equal(hash.digest('hex'), digest, path);
  }
  await sleep(10);
  assert.equal(p.stats().connections, 1, 'the socket is reused after a streamed body');
});

test('Connection: close and an HTTP/1.0 reply are not reused; the next request opens a new socket', async (t) => {
  const { origin, server } = await rawServer(t, (socket, req) => {
    if (req.path === '/close') socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
    else if (req.path === '/http10') socket.end('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok');
    else if (req.path === '/eof') socket.end('HTTP/1.1 200 OK\r\n\r\nuntil the end');
    else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  let connections = 0;
  server.on('connection', () => connections++);
  const p = pool(t, origin);
  assert.equal(await (await post(p, '/close')).body.text(), 'ok');
  assert.equal(await (await post(p, '/http10')).body.text(), 'ok');
  assert.equal(await (await post(p, '/eof')).body.text(), 'until the end', 'no length: the body ends with the connection');
  assert.equal(await (await post(p, '/keep')).body.text(), 'ok');
  assert.equal(await (await post(p, '/keep')).body.text(), 'ok');
  assert.equal(connections, 4);
});

test('an idle socket the server closes is dropped and the next request succeeds on a new one', async (t) => {
  const { origin, server } = await rawServer(t, (socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    setTimeout(() => socket.end(), 30);
  });
  let connections = 0;
  server.on('connection', () => connections++);
  const p = pool(t, origin);
  assert.equal(await (await post(p)).body.text(), 'ok');
  while (p.stats().connections > 0) await sleep(5);
  assert.equal(await (await post(p)).body.text(), 'ok');
  assert.equal(connections, 2);
});

test('a server keep-alive hint too short to trust closes the socket after the response', async (t) => {
  const { origin, server } = await rawServer(t, (socket) => socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok'));
  let connections = 0;
  server.on('connection', () => connections++);
  const p = pool(t, origin);
  await (await post(p)).body.text();
  await (await post(p)).body.text();
  assert.equal(connections, 2);
  assert.equal(p.stats().idle, 0);
});

test('HEAD, 204 and 304 replies have no body and keep the socket', async (t) => {
  const { origin, sockets } = await rawServer(t, (socket, req) => {
    if (req.head.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n');
    else if (req.path === '/204') socket.write('HTTP/1.1 204 No Content\r\n\r\n');
    else socket.write('HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n');
  });
  const p = pool(t, origin);
  const head = await p.request({ method: 'HEAD', path: '/', headers: {} });
  assert.equal(head.headers['content-length'], '1234');
  assert.equal(head.body.buffered?.length, 0);
  assert.equal((await post(p, '/204')).statusCode, 204);
  assert.equal((await post(p, '/304')).statusCode, 304);
  assert.equal(sockets.size, 1);
});

test('a server that resets mid-body fails the request, or the stream of a streamed body', async (t) => {
  const { origin } = await rawServer(t, (socket, req) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${req.path === '/big' ? 100_000 : 100}\r\n\r\n0123456789`);
    setTimeout(() => (req.path === '/fin' ? socket.end() : socket.resetAndDestroy()), 20);
  });
  const p = pool(t, origin, { maxBufferedBytes: 1000 });
  await rejectsWith(post(p, '/reset'), ['ECONNRESET', 'SOCKET_CLOSED']);
  await rejectsWith(post(p, '/fin'), 'SOCKET_CLOSED');
  const res = await post(p, '/big');
  assert.equal(res.body.buffered, undefined);
  await rejectsWith(res.body.text(), ['ECONNRESET', 'SOCKET_CLOSED']);
  assert.equal(p.stats().connections, 0);
});

test('a refused connection fails with ECONNREFUSED', async (t) => {
  const { server, origin } = await listen(t, createNetServer());
  server.close();
  await once(server, 'close');
  await rejectsWith(post(pool(t, origin)), 'ECONNREFUSED');
});

test('a server that stalls before the head or within the body fails with HEADERS_TIMEOUT or BODY_TIMEOUT', async (t) => {
  const { origin } = await rawServer(t, (socket, req) => {
    if (req.path === '/body') socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234');
    if (req.path === '/stream') socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n01234');
  });
  const p = pool(t, origin, { headersTimeoutMs: 100, bodyTimeoutMs: 100, maxBufferedBytes: 1000 });
  await rejectsWith(post(p, '/head'), 'HEADERS_TIMEOUT');
  await rejectsWith(post(p, '/body'), 'BODY_TIMEOUT');
  const res = await post(p, '/stream');
  await rejectsWith(res.body.text(), 'BODY_TIMEOUT');
});

test('a buffered body dripped a byte at a time fails with BODY_TIMEOUT; a streamed one is bounded by silence only', async (t) => {
  const drip = (socket: Socket, head: string, pieces: number, piece = 'x') => {
    socket.write(head);
    let sent = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || sent >= pieces) return clearInterval(timer);
      socket.write(piece);
      sent++;
    }, 40);
    socket.once('close', () => clearInterval(timer));
  };
  const { origin } = await rawServer(t, (socket, req) => {
    if (req.path === '/length') drip(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', 100);
    if (req.path === '/chunked') drip(socket, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 100, '1\r\nx\r\n');
    if (req.path === '/stream') {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${2000 + 10}\r\n\r\n${'y'.repeat(2000)}`);
      drip(socket, '', 10);
    }
  });
  // Every piece comes within the 200 ms deadline, the whole far later: 100 bytes at 40 ms each.
  const p = pool(t, origin, { headersTimeoutMs: 1000, bodyTimeoutMs: 200, maxBufferedBytes: 1000 });
  await rejectsWith(post(p, '/length'), 'BODY_TIMEOUT');
  await rejectsWith(post(p, '/chunked'), 'BODY_TIMEOUT');
  const res = await post(p, '/stream');
  assert.equal(res.body.buffered, undefined, 'larger than maxBufferedBytes: streamed');
  assert.equal((await res.body.text()).length, 2010, 'a streamed body that never falls silent arrives');
});

test('an abort signal fails a request in flight, one waiting in the queue, and one aborted before it started', async (t) => {
  const { origin } = await rawServer(t, () => undefined);
  const p = pool(t, origin, { connections: 1 });
  const first = new AbortController();
  const second = new AbortController();
  const inFlight = post(p, '/a', '{}', first.signal);
  const queued = post(p, '/b', '{}', second.signal);
  await sleep(20);
  assert.equal(p.stats().queued, 1);
  second.abort();
  await rejectsWith(queued, 'ABORTED');
  assert.equal(p.stats().queued, 0);
  first.abort();
  await rejectsWith(inFlight, 'ABORTED');
  await rejectsWith(post(p, '/c', '{}', AbortSignal.abort()), 'ABORTED');
});

test('malformed responses fail with BAD_RESPONSE and the socket is closed', async (t) => {
  const replies: Record<string, string> = {
    '/status': 'HTTX/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    '/code': 'HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n',
    '/both': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    '/length': 'HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\nabc',
    '/two-lengths': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
    '/header': 'HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n',
    '/chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
    '/huge-head': `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\nContent-Length: 0\r\n\r\n`,
    // A bare LF or a NUL in a value would reach clients as a header of its own (response splitting).
    '/bare-lf': 'HTTP/1.1 200 OK\r\nContent-Disposition: attachment\nSet-Cookie: injected=1\r\nContent-Length: 0\r\n\r\n',
    '/nul': 'HTTP/1.1 200 OK\r\nETag: "a\u0000b"\r\nContent-Length: 0\r\n\r\n',
  };
  const { origin } = await rawServer(t, (socket, req) => socket.write(replies[req.path]!));
  const p = pool(t, origin);
  for (const path of Object.keys(replies)) {
    await rejectsWith(post(p, path), 'BAD_RESPONSE');
  }
  assert.equal(p.stats().connections, 0);
});

test('what differential fuzzing against undici found: a bad reason phrase, header name, chunk size, extension or trailer is BAD_RESPONSE; what RFC 9112 allows still parses', async (t) => {
  const bad: Record<string, string> = {
    // A bare LF ended the status line at the next CRLF: the line after it was taken as the reason.
    '/reason-lf': 'HTTP/1.1 200 OK\nSet-Cookie: injected=1\r\nContent-Length: 0\r\n\r\n',
    '/reason-cr': 'HTTP/1.1 200 \r\r\nContent-Length: 0\r\n\r\n',
    '/reason-nul': 'HTTP/1.1 200 O\u0000K\r\nContent-Length: 0\r\n\r\n',
    '/name-space': 'HTTP/1.1 200 OK\r\nSer ver: x\r\nContent-Length: 0\r\n\r\n',
    '/name-quote': 'HTTP/1.1 200 OK\r\n":x\r\nContent-Length: 0\r\n\r\n',
    '/size-space': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n',
    '/ext-control': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\u0001\r\nabc\r\n0\r\n\r\n',
    '/ext-cr': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\r\r\nabc\r\n0\r\n\r\n',
    '/ext-empty': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0;\r\n\r\n',
    '/trailer-no-colon': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n',
    '/trailer-control': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: \u0001\r\n\r\n',
  };
  const good: Record<string, string> = {
    // "chunked" then an empty Transfer-Encoding line: the list is "chunked, " and still chunked (was read to the close).
    '/te-empty-after': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding:\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    '/te-comma-after': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, \r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    '/ext-bws': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3 ; a = b ;c="d \\" e"\r\nabc\r\n0;last\r\nX-T: 1\r\n\r\n',
    '/reason-obs': 'HTTP/1.1 200 caf\u00e9\tok\r\nContent-Length: 3\r\n\r\nabc',
  };
  const replies = { ...bad, ...good };
  const { origin } = await rawServer(t, (socket, req) => socket.write(replies[req.path]!, 'latin1'));
  const p = pool(t, origin);
  for (const path of Object.keys(bad)) await rejectsWith(post(p, path), 'BAD_RESPONSE');
  for (const path of Object.keys(good)) {
    const res = await post(p, path);
    assert.equal(res.statusCode, 200, path);
    assert.equal(await res.body.text(), 'abc', path);
  }
});

test('close() fails queued requests with POOL_CLOSED, lets the one in flight finish, and refuses new ones', async (t) => {
  const waiting: Socket[] = [];
  const { origin } = await rawServer(t, (socket) => waiting.push(socket));
  const p = new HttpPool(origin, { ...FAST, connections: 1 });
  const inFlight = post(p, '/a');
  const queued = post(p, '/b');
  while (waiting.length === 0) await sleep(5);
  const closed = p.close();
  await rejectsWith(queued, 'POOL_CLOSED');
  await rejectsWith(post(p, '/c'), 'POOL_CLOSED');
  waiting[0]!.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone');
  assert.equal(await (await inFlight).body.text(), 'done');
  await closed;
  assert.equal(p.stats().connections, 0);
});

test('an https: origin is reached over TLS with its certificate verified', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wd-pool-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  const server = createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
    req.resume();
    res.end(`tls ${req.headers.host}`);
  });
  const { origin, server: s } = await listen(t, server);
  let connections = 0;
  s.on('secureConnection', () => connections++);
  const port = new URL(origin).port;
  const p = pool(t, `https://localhost:${port}`, { tls: { ca: readFileSync(cert) } });
  assert.equal(await (await post(p)).body.text(), `tls localhost:${port}`);
  assert.equal(await (await post(p)).body.text(), `tls localhost:${port}`);
  assert.equal(connections, 1);
  const untrusting = pool(t, `https://localhost:${port}`);
  await assert.rejects(post(untrusting), /self[- ]signed|certificate/i);
});

test('a header value with a line break is refused before anything is sent', async (t) => {
  const { origin, sockets } = await rawServer(t, () => undefined);
  const p = pool(t, origin);
  await rejectsWith(p.request({ method: 'POST', path: '/x', headers: { authorization: 'Bearer a\r\nx-evil: 1' }, body: '' }), 'BAD_REQUEST');
  for (const path of ['/x y', '/x\ty', 'x']) await rejectsWith(p.request({ method: 'POST', path, headers: {}, body: '' }), 'BAD_REQUEST');
  assert.equal(sockets.size, 0);
});

test('dump() reads a short streamed body and keeps the socket, gives up the socket for a long one; stream() of a whole body', async (t) => {
  // The first reply's second half waits for the test: a body that arrives whole with its head is
  // delivered buffered whatever its size, and on a loaded machine a short pause does not keep the
  // halves apart.
  let releaseFirst: (() => void) | undefined;
  const { origin, server } = await rawServer(t, (socket, req) => {
    const size = req.path === '/long' ? 1024 * 1024 : 2000;
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
    if (req.n === 0) {
      socket.write(Buffer.alloc(size / 2, 0x61));
      releaseFirst = () => socket.write(Buffer.alloc(size / 2, 0x62));
    } else {
      void trickle(socket, [Buffer.alloc(size / 2, 0x61), Buffer.alloc(size / 2, 0x62)]);
    }
  });
  let connections = 0;
  server.on('connection', () => connections++);
  const p = pool(t, origin, { maxBufferedBytes: 1000 });
  const short = await post(p, '/short');
  assert.equal(short.body.buffered, undefined, 'over maxBufferedBytes and not all there: streamed');
  const dumped = short.body.dump();
  releaseFirst!();
  await dumped;
  const long = await post(p, '/long');
  await long.body.dump();
  assert.equal(connections, 1, 'both went over the first socket');
  assert.equal(p.stats().connections, 0, 'the long body was not read to its end: its socket is closed');
  const whole = await p.request({ method: 'GET', path: '/x', headers: {}, body: undefined });
  const again = await post(p, '/short');
  const chunks: Buffer[] = [];
  for await (const c of again.body.stream()) chunks.push(c as Buffer);
  assert.equal(Buffer.concat(chunks).length, 2000);
  await whole.body.dump();
  const small = pool(t, origin);
  const res = await post(small, '/short');
  assert.ok(res.body.buffered !== undefined);
  const streamed: Buffer[] = [];
  for await (const c of res.body.stream()) streamed.push(c as Buffer);
  assert.deepEqual(Buffer.concat(streamed), res.body.buffered);
});

test('reply headers named like Object.prototype members are plain headers (no crash)', async (t) => {
  const { origin } = await rawServer(t, (socket) => socket.write('HTTP/1.1 200 OK\r\nConstructor: a\r\n__proto__: b\r\ntoString: c\r\nconstructor: d\r\nContent-Length: 2\r\n\r\nok'));
  const p = pool(t, origin);
  const res = await post(p, '/proto');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.headers['constructor'], ['a', 'd']);
  assert.equal(res.headers['__proto__'], 'b');
  assert.equal(res.headers['tostring'], 'c');
  assert.equal(await res.body.text(), 'ok');
});

test('bytes a server sends past a Content-Length body never answer the next request, sent after it or queued behind it', async (t) => {
  // The body's first half comes with the head, so the rest is read in place into the presized body;
  // the rest then comes with a whole forged reply behind it.
  const { origin } = await rawServer(t, (socket, req) => {
    if (req.path.startsWith('/a')) {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n01234');
      setTimeout(() => socket.write('56789HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nEVIL'), 20);
    } else {
      setTimeout(() => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nGOOD'), 20);
    }
  });
  const pool = new HttpPool(origin, { ...FAST, connections: 1 });
  t.after(() => pool.close());
  const a = await pool.request({ method: 'GET', path: '/a1', headers: {} });
  assert.equal(a.body.buffered?.toString(), '0123456789');
  assert.equal((await pool.request({ method: 'GET', path: '/b1', headers: {} })).body.buffered?.toString(), 'GOOD');
  const [a2, b2] = await Promise.all([
    pool.request({ method: 'GET', path: '/a2', headers: {} }),
    pool.request({ method: 'GET', path: '/b2', headers: {} }),
  ]);
  assert.equal(a2.body.buffered?.toString(), '0123456789');
  assert.equal(b2.body.buffered?.toString(), 'GOOD');
});
