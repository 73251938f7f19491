import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { LeanServer, type LeanReply, type LeanRequest, type LeanRoutes } from './lean-server.ts';
import { parseRequestHead } from './request-head.ts';

interface Harness {
  port: number;
  server: LeanServer;
  lean: LeanRequest[];
  node: Array<{ method: string; url: string; body: string }>;
  close(): Promise<void>;
}

/** A lean server that serves POST /lean* itself (echoing the body) and hands everything else to node:http. */
async function harness(reply?: (req: LeanRequest) => LeanReply | Promise<LeanReply>, opts: { maxBodyBytes?: number; headersTimeoutMs?: number; requestTimeoutMs?: number; keepAliveTimeoutMs?: number; nodeTimeoutsMs?: number } = {}): Promise<Harness> {
  const lean: LeanRequest[] = [];
  const nodeSeen: Harness['node'] = [];
  const t = opts.nodeTimeoutsMs;
  const nodeOptions = t === undefined ? {} : { headersTimeout: t, requestTimeout: 2 * t, connectionsCheckingInterval: Math.max(10, t / 4) };
  const fallback = createServer(nodeOptions, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      nodeSeen.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.setHeader('content-type', 'text/plain');
      res.end(`node ${req.method} ${req.url} ${body}`);
    });
  });
  const routes: LeanRoutes = {
    accepts: (method, url) => url.startsWith('/lean'),
    async serve(req) {
      lean.push(req);
      if (reply !== undefined) return reply(req);
      return { status: 200, headers: { 'content-type': 'text/plain', 'x-seen': req.headers['x-tag'] ?? '' }, body: `lean ${req.method} ${req.url} ${req.body.toString()}` };
    },
  };
  const server = new LeanServer(fallback, routes, {
    keepAliveTimeoutMs: opts.keepAliveTimeoutMs ?? 5000, headersTimeoutMs: opts.headersTimeoutMs ?? 5000, maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024,
    ...(opts.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: opts.requestTimeoutMs }),
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    server,
    lean,
    node: nodeSeen,
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Writes raw bytes (in the given pieces, a tick apart) and collects what comes back until the socket ends or `until` matches. */
async function raw(port: number, pieces: Array<string | Buffer>, until: (text: string) => boolean): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  const done = new Promise<void>((resolve) => {
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (until(text)) resolve();
    });
    socket.on('close', () => resolve());
  });
  for (const p of pieces) {
    socket.write(p);
    await new Promise((r) => setTimeout(r, 5));
  }
  await done;
  socket.destroy();
  return text;
}

/** A client connection that collects everything the server sends. */
async function openClient(port: number, allowHalfOpen = false): Promise<{ socket: Socket; text(): string }> {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen });
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (d: Buffer) => { text += d.toString(); });
  return { socket, text: () => text };
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;
const post = (path: string, body: string, extra = ''): string => `POST ${path} HTTP/1.1\r\nHost: x\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

test('the head parser takes plain HTTP/1.1 requests and leaves anything unusual to node:http', () => {
  const parse = (s: string) => {
    const b = Buffer.from(s, 'latin1');
    return parseRequestHead(b, b.indexOf('\r\n\r\n'));
  };
  const head = 'POST /rest/Customer/get_customer_info HTTP/1.1\r\nHost: a\r\nContent-Type:  application/json \r\nContent-Length: 12\r\n\r\n';
  const ok = parse(head);
  assert.deepEqual(ok && { method: ok.method, url: ok.url, headers: ok.headers, cl: ok.contentLength, total: ok.total, close: ok.close }, {
    method: 'POST', url: '/rest/Customer/get_customer_info', headers: { host: 'a', 'content-type': 'application/json', 'content-length': '12' }, cl: 12, total: head.length + 12, close: false,
  });
  assert.equal(parse('GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n')?.close, true);
  for (const bad of [
    'POST / HTTP/1.0\r\nHost: a\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    'POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n folded\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nX: a\nb\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n',
    'POST /a b HTTP/1.1\r\nHost: a\r\n\r\n',
    'POST http://x/ HTTP/1.1\r\nHost: a\r\n\r\n',
    'post / HTTP/1.1\r\nHost: a\r\n\r\n',
  ]) assert.equal(parse(bad), undefined, JSON.stringify(bad));
});

test('lean requests are answered in order on one connection, with bodies split across packets', async () => {
  const h = await harness();
  try {
    const text = await raw(h.port, [
      post('/lean/1', 'one', 'X-Tag: a\r\n') + post('/lean/2', 'two').slice(0, 20),
      post('/lean/2', 'two').slice(20, 60),
      post('/lean/2', 'two').slice(60) + post('/lean/3', 'x'.repeat(100_000)).slice(0, 70),
      post('/lean/3', 'x'.repeat(100_000)).slice(70, 50_000),
      post('/lean/3', 'x'.repeat(100_000)).slice(50_000),
    ], (t) => count(t, 'HTTP/1.1 200') === 3 && t.endsWith('x'.repeat(10)));
    assert.equal(count(text, 'HTTP/1.1 200 OK'), 3);
    assert.match(text, /x-seen: a\r\n/);
    assert.ok(text.indexOf('lean POST /lean/1 one') < text.indexOf('lean POST /lean/2 two'));
    assert.match(text, /content-length: 100018\r\n/);
    assert.match(text, /connection: keep-alive\r\nkeep-alive: timeout=5\r\n/);
    assert.deepEqual(h.lean.map((r) => [r.url, r.body.length]), [['/lean/1', 3], ['/lean/2', 3], ['/lean/3', 100_000]]);
    assert.equal(h.node.length, 0);
  } finally {
    await h.close();
  }
});

test('the first request the lean path declines hands the connection, unread bytes included, to node:http', async () => {
  const h = await harness();
  try {
    const text = await raw(h.port, [
      post('/lean/a', '1') + post('/other', 'node-body').slice(0, 30),
      post('/other', 'node-body').slice(30) + post('/lean/b', '2'),
    ], (t) => count(t, 'HTTP/1.1 200') === 3);
    assert.equal(count(text, 'HTTP/1.1 200 OK'), 3);
    // Once handed over, node:http serves the rest of the connection, lean paths included.
    assert.deepEqual(h.node.map((r) => `${r.url} ${r.body}`), ['/other node-body', '/lean/b 2']);
    assert.deepEqual(h.lean.map((r) => r.url), ['/lean/a']);
    assert.ok(text.indexOf('lean POST /lean/a 1') < text.indexOf('node POST /other node-body'));
  } finally {
    await h.close();
  }
});

test('malformed requests, chunked bodies and over-limit bodies get node:http answers, not lean ones', async () => {
  const h = await harness(undefined, { maxBodyBytes: 10 });
  try {
    const bad = await raw(h.port, ['POST /lean HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'], () => false);
    assert.match(bad, /^HTTP\/1\.1 400 /);
    const chunked = await raw(h.port, ['POST /lean/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'], (t) => t.includes('abc'));
    assert.match(chunked, /node POST \/lean\/c abc/);
    const big = await raw(h.port, [post('/lean/big', 'x'.repeat(11))], (t) => t.includes('xxxxxxxxxxx'));
    assert.match(big, /node POST \/lean\/big x{11}/);
    assert.equal(h.lean.length, 0);
  } finally {
    await h.close();
  }
});

test('Connection: close is honoured and a streamed reply without a length is sent chunked', async () => {
  const h = await harness((req) => req.url === '/lean/stream'
    ? { status: 200, headers: { 'content-type': 'application/json' }, body: Readable.from([Buffer.from('{"a":'), Buffer.from('1}')]) }
    : { status: 404, headers: {}, body: Buffer.from('nope') });
  try {
    const closed = await raw(h.port, [post('/lean/x', '', 'Connection: close\r\n')], () => false);
    assert.match(closed, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.match(closed, /connection: close\r\n/);
    assert.ok(closed.endsWith('\r\n\r\nnope'));
    // Through a real HTTP client: the chunked framing is right.
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ port: h.port, host: '127.0.0.1', method: 'POST', path: '/lean/stream' }, (res) => {
        assert.equal(res.headers['transfer-encoding'], 'chunked');
        let t = '';
        res.on('data', (d: Buffer) => { t += d.toString(); });
        res.on('end', () => resolve(t));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(body, '{"a":1}');
  } finally {
    await h.close();
  }
});

test('a client that stops half-way through a request is answered 408 after the headers timeout', async () => {
  const h = await harness(undefined, { headersTimeoutMs: 50, keepAliveTimeoutMs: 100 });
  try {
    const text = await raw(h.port, ['POST /lean HTTP/1.1\r\nHost: x\r\n'], () => false);
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.equal(h.lean.length, 0);
  } finally {
    await h.close();
  }
});

test('a reply for a client that went away is dropped without harm', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const h = await harness(async () => {
    await gate;
    return { status: 200, headers: {}, body: Readable.from([Buffer.from('late')]) };
  });
  try {
    const socket = connect(h.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(post('/lean/slow', 'x'));
    await new Promise((r) => setTimeout(r, 20));
    socket.destroy();
    await new Promise((r) => setTimeout(r, 20));
    release();
    await new Promise((r) => setTimeout(r, 20));
    const again = await raw(h.port, [post('/lean/ok', 'y')], (t) => t.includes('late'));
    assert.match(again, /late/);
  } finally {
    await h.close();
  }
});

test('a client that half-closes after its request still gets the reply', async () => {
  const h = await harness();
  try {
    const { socket, text } = await openClient(h.port);
    socket.end(post('/lean/half', 'h'));
    await once(socket, 'close');
    assert.match(text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*lean POST \/lean\/half h$/);
  } finally {
    await h.close();
  }
});

test('mangled requests never take the server down, and every connection ends or is answered', async () => {
  const h = await harness();
  try {
    const valid = post('/lean/ok', '{"params":{"i_customer":1}}', 'Content-Type: application/json\r\nX-Tag: t\r\n');
    // A fixed generator: the same bytes on every run.
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const specials = ['\r', '\n', '\0', ' ', ':', '\t', '\x7f', '\xff', '0', '-', 'Content-Length: 5\r\n', 'Transfer-Encoding: chunked\r\n'];
    for (let i = 0; i < 150; i++) {
      let bytes = valid;
      for (let k = 0, edits = 1 + rnd(4); k < edits; k++) {
        const at = rnd(bytes.length);
        const op = rnd(3);
        if (op === 0) bytes = bytes.slice(0, at) + specials[rnd(specials.length)]! + bytes.slice(at);
        else if (op === 1) bytes = bytes.slice(0, at) + bytes.slice(at + 1 + rnd(8));
        else bytes = bytes.slice(0, at);
      }
      const socket = connect(h.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      socket.write(Buffer.from(bytes, 'latin1'));
      socket.end();
      await Promise.race([once(socket, 'close'), new Promise((r) => setTimeout(r, 200))]);
      socket.destroy();
    }
    const text = await raw(h.port, [valid], (t) => t.includes('lean POST /lean/ok'));
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  } finally {
    await h.close();
  }
});

test('a connection handed to node:http keeps node\'s header timeout, and is closed by closeAllConnections', async () => {
  const h = await harness(undefined, { nodeTimeoutsMs: 200 });
  try {
    // A declined request hands the connection over; then a head trickles in and never ends.
    const { socket, text } = await openClient(h.port);
    socket.write(post('/other', 'x'));
    await new Promise((r) => setTimeout(r, 50));
    socket.write('POST /other HTTP/1.1\r\nHost: x\r\n');
    const timer = setInterval(() => socket.write('X-Slow: 1\r\n'), 50);
    await Promise.race([once(socket, 'close'), new Promise((r) => setTimeout(r, 3000))]);
    clearInterval(timer);
    assert.match(text(), /node POST \/other x/);
    assert.match(text(), /HTTP\/1\.1 408 /);
    socket.destroy();
    // A handed-over idle connection is closed on shutdown too.
    const idle = connect(h.port, '127.0.0.1');
    await once(idle, 'connect');
    idle.resume();
    idle.write(post('/other', 'y'));
    await new Promise((r) => setTimeout(r, 50));
    h.server.closeAllConnections();
    await Promise.race([once(idle, 'close'), new Promise((_, reject) => setTimeout(() => reject(new Error('the handed-over connection stayed open')), 1000))]);
  } finally {
    await h.close();
  }
});

test('after a Connection: close reply the server closes its socket even if the client never closes its side', async () => {
  const h = await harness();
  try {
    const socket = connect({ port: h.port, host: '127.0.0.1', allowHalfOpen: true });
    await once(socket, 'connect');
    socket.on('data', () => undefined);
    socket.write(post('/lean/x', '', 'Connection: close\r\n'));
    await once(socket, 'end');
    await new Promise((r) => setTimeout(r, 50));
    const open = await new Promise<number>((resolve, reject) => h.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    assert.equal(open, 0);
    socket.destroy();
  } finally {
    await h.close();
  }
});

test('a chunked streamed reply stays intact for a client that reads slowly', async () => {
  const piece = Buffer.alloc(64 * 1024, 97);
  const h = await harness(() => ({ status: 200, headers: {}, body: Readable.from(Array.from({ length: 64 }, () => piece)) }));
  try {
    const received = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ port: h.port, host: '127.0.0.1', method: 'POST', path: '/lean/big' }, (res) => {
        res.pause();
        let n = 0;
        setTimeout(() => {
          res.on('data', (d: Buffer) => { n += d.length; });
          res.on('end', () => resolve(n));
          res.resume();
        }, 300);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(received, 64 * piece.length);
  } finally {
    await h.close();
  }
});

test('a body may take up to the request timeout to arrive, the head only the headers timeout', async () => {
  const h = await harness(undefined, { headersTimeoutMs: 100, requestTimeoutMs: 3000 });
  try {
    // 60 pieces 5 ms apart: the body takes longer than the headers timeout, far less than the request timeout.
    const whole = post('/lean/slow-body', 'b'.repeat(60));
    const headEnd = whole.indexOf('\r\n\r\n') + 4;
    const text = await raw(h.port, [whole.slice(0, headEnd), ...whole.slice(headEnd).split('')], (t) => t.includes('b'.repeat(60)));
    assert.match(text, /^HTTP\/1\.1 200 OK/);
  } finally {
    await h.close();
  }
});

test('a declined request after a half-close is refused with a fault, not dropped', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const h = await harness(async (req) => {
    await gate;
    return { status: 200, headers: {}, body: `lean ${req.url}` };
  });
  try {
    const { socket, text } = await openClient(h.port, true);
    socket.end(post('/lean/1', 'a') + post('/other', 'b'));
    await new Promise((r) => setTimeout(r, 50));
    release();
    await once(socket, 'close');
    assert.match(text(), /^HTTP\/1\.1 200 OK[\s\S]*lean \/lean\/1HTTP\/1\.1 400 Bad Request[\s\S]*half-closed/);
  } finally {
    await h.close();
  }
});

test('a body in pieces is sent whole and in order, small (copied with the head) and large (one gather write)', async () => {
  const big = [Buffer.from('{"a":['), Buffer.alloc(40_000, 0x31).subarray(5, 30_005), Buffer.from(','), Buffer.alloc(20_000, 0x32), Buffer.from(']}')];
  const h = await harness((req) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: req.url === '/lean/small' ? [Buffer.from('{"b":'), Buffer.from('1}')] : big }));
  try {
    const small = await raw(h.port, [post('/lean/small', '')], (t) => t.endsWith('{"b":1}'));
    assert.match(small, /content-length: 7\r\n/);
    const expected = Buffer.concat(big).toString('latin1');
    const text = await raw(h.port, [post('/lean/big', '') + post('/lean/small', '')], (t) => t.endsWith(`${expected}HTTP`) || t.endsWith('{"b":1}'));
    assert.ok(text.includes(`content-length: ${expected.length}\r\n\r\n${expected}HTTP/1.1 200 OK`), 'the large reply is whole and the next one follows it');
    assert.ok(text.endsWith('{"b":1}'));
  } finally {
    await h.close();
  }
});
