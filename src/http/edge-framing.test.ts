import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { LeanServer } from './lean-server.ts';
import { answerClientError, refuseUnsupportedTransferCodings, unsupportedTransferCoding } from './transfer-coding.ts';
import { hasBareLineFeed } from './request-head.ts';

/** The node:http server as the dispatcher builds it: 501 for unknown codings, 400/501 on parser errors. */
function nodeFace(): ReturnType<typeof createServer> {
  const server = createServer({ headersTimeout: 30_000, requestTimeout: 60_000 }, refuseUnsupportedTransferCodings((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => res.end('node'));
  }));
  server.on('clientError', answerClientError);
  return server;
}

interface Faces {
  node: number;
  lean: number;
  close(): void;
}

/** The same request handling twice: a plain node:http server, and the lean server in front of another one (headers timeout 30 s). */
async function faces(): Promise<Faces> {
  const plain = nodeFace();
  plain.listen(0, '127.0.0.1');
  await once(plain, 'listening');
  const lean = new LeanServer(nodeFace(), {
    accepts: (_m, url) => url.startsWith('/lean'),
    serve: () => Promise.resolve({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'lean' }),
  }, { keepAliveTimeoutMs: 5000, headersTimeoutMs: 30_000, requestTimeoutMs: 60_000, maxBodyBytes: 1 << 20 });
  lean.listen(0, '127.0.0.1');
  await once(lean, 'listening');
  return {
    node: (plain.address() as AddressInfo).port,
    lean: (lean.address() as AddressInfo).port,
    close() {
      plain.closeAllConnections();
      plain.close();
      lean.closeAllConnections();
      lean.close();
    },
  };
}

interface Outcome {
  /** The reply's status code, or 0 when the connection ended without one. */
  status: number;
  /** The deadline passed before any reply (or close) came. */
  late: boolean;
}

/** Writes `bytes` and waits for the first status line, the socket's end, or `deadlineMs`. */
async function outcome(port: number, bytes: string, deadlineMs: number): Promise<Outcome> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  const result = await new Promise<Outcome>((resolve) => {
    const timer = setTimeout(() => resolve({ status: 0, late: true }), deadlineMs);
    const done = (): void => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, late: false });
    };
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('\r\n')) done();
    });
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.write(bytes, 'latin1');
  });
  socket.destroy();
  return result;
}

test('a head with a bare LF is refused at once by the lean server, as node:http refuses the same bytes', async (t) => {
  const f = await faces();
  t.after(() => f.close());
  const cases = [
    'GET /lean HTTP/1.1\nHost: a\n\n',
    'GET /lean HTTP/1.1\nHost: a\n',
    'POST /lean HTTP/1.1\r\nHost: a\nContent-Length: 0\r\n\r\n',
    'GET /lean HTTP/1.1\r\nHost: a\r\n\n',
    'GET /lean HTTP/1.1\r\nHost: a\n\r\n',
    'GET /other HTTP/1.1\nHost: a\r\n\r\n',
  ];
  for (const bytes of cases) {
    // The deadline is the bound: the lean server's headers timeout is 30 s, a refusal must come well before.
    const viaNode = await outcome(f.node, bytes, 1000);
    const viaLean = await outcome(f.lean, bytes, 100);
    assert.equal(viaLean.late, false, `lean answered ${JSON.stringify(bytes)} within 100 ms`);
    assert.equal(viaNode.status, 400, `node:http refuses ${JSON.stringify(bytes)}`);
    assert.equal(viaLean.status, viaNode.status, `same outcome for ${JSON.stringify(bytes)}`);
  }
  // A well-formed head split across packets is still waited for, not refused.
  assert.equal((await outcome(f.lean, 'GET /lean HTTP/1.1\r\nHost: a\r\n\r\n', 1000)).status, 200);
});

test('Transfer-Encoding with a coding other than chunked gets 501 on both faces; chunked alone is served', async (t) => {
  const f = await faces();
  t.after(() => f.close());
  const cases: Array<[string, number]> = [
    ['POST /lean HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc', 501],
    ['POST /lean HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 501],
    ['POST /lean HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 501],
    ['POST /lean HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 501],
    ['GET /other HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: x-custom\r\n\r\n', 501],
    ['POST /lean HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 200],
    ['POST /lean HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc', 200],
    // llhttp refuses a Content-Length beside any Transfer-Encoding (request smuggling): 400 on both faces.
    ['POST /lean HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\nContent-Length: 3\r\n\r\nabc', 400],
  ];
  for (const [bytes, expected] of cases) {
    const viaNode = await outcome(f.node, bytes, 2000);
    const viaLean = await outcome(f.lean, bytes, 2000);
    assert.equal(viaNode.status, expected, `node:http face: ${JSON.stringify(bytes)}`);
    assert.equal(viaLean.status, viaNode.status, `lean face like node:http: ${JSON.stringify(bytes)}`);
  }
});

test('the transfer-coding check names the first coding that is not chunked', () => {
  assert.equal(unsupportedTransferCoding(undefined), undefined);
  assert.equal(unsupportedTransferCoding('chunked'), undefined);
  assert.equal(unsupportedTransferCoding(' Chunked '), undefined);
  assert.equal(unsupportedTransferCoding('gzip, chunked'), 'gzip');
  assert.equal(unsupportedTransferCoding('chunked;q=1, br'), 'br');
});

test('a bare LF is found wherever it is, and CRLF alone is not one', () => {
  assert.equal(hasBareLineFeed(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n')), false);
  assert.equal(hasBareLineFeed(Buffer.from('\nGET')), true);
  assert.equal(hasBareLineFeed(Buffer.from('GET / HTTP/1.1\r\n\n')), true);
  assert.equal(hasBareLineFeed(Buffer.from('GET / HTTP/1.1\nHost')), true);
  assert.equal(hasBareLineFeed(Buffer.from('a\r\nb\nc'), 3), false, 'only before end');
});
