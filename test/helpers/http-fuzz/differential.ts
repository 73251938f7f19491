import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import { LeanServer } from '../../../src/http/lean-server.ts';
import { answerClientError, refuseUnsupportedTransferCodings } from '../../../src/http/transfer-coding.ts';
import { refuseUpgrade } from '../../../src/edge/api-handler.ts';
import type { FuzzCase } from './requests.ts';

/** What a server made of one request: enough to tell whether two parsers framed it alike. */
export interface Parsed {
  via: 'lean' | 'node';
  method: string;
  url: string;
  headers: Record<string, unknown>;
  /** Latin-1. */
  body: string;
  /** The whole body arrived (node:http emits a request at its head). */
  complete: boolean;
}

/** node:http as the dispatcher builds it (same timeouts, transfer-coding and upgrade refusals), recording what it parsed. */
function nodeServer(seen: () => Parsed[]): Server {
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 120_000, headersTimeout: 30_000 }, refuseUnsupportedTransferCodings((req: IncomingMessage, res: ServerResponse) => {
    const p: Parsed = { via: 'node', method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, body: '', complete: false };
    seen().push(p);
    req.on('data', (c: Buffer) => {
      p.body += c.toString('latin1');
    });
    req.on('end', () => {
      p.complete = true;
      res.end('ok');
    });
    req.on('error', () => undefined);
  }));
  // The oracle answers every request a half-closed client sent (node:http would otherwise stop
  // writing replies at the client's FIN): the comparison is about parsing, not half-close.
  // (An undocumented field of node:http's Server: not in its types.)
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.on('clientError', answerClientError);
  server.on('upgrade', refuseUpgrade);
  return server;
}

/** One lane: a plain node:http server and a lean server in front of another one, both on 127.0.0.1:0. */
export class Lane {
  plainSeen: Parsed[] = [];
  leanSeen: Parsed[] = [];
  readonly plain: Server;
  readonly lean: LeanServer;

  constructor() {
    this.plain = nodeServer(() => this.plainSeen);
    // Every head it parses is accepted: what is tested is the parser, not the routes.
    this.lean = new LeanServer(nodeServer(() => this.leanSeen), {
      accepts: () => true,
      serve: (req) => {
        this.leanSeen.push({ via: 'lean', method: req.method, url: req.url, headers: { ...req.headers }, body: req.body.toString('latin1'), complete: true });
        return Promise.resolve({ status: 200, headers: {}, body: 'ok' });
      },
    }, { keepAliveTimeoutMs: 65_000, headersTimeoutMs: 30_000, requestTimeoutMs: 120_000, maxBodyBytes: 1 << 20 });
  }

  async start(): Promise<void> {
    this.plain.listen(0, '127.0.0.1');
    this.lean.listen(0, '127.0.0.1');
    await Promise.all([once(this.plain, 'listening'), once(this.lean, 'listening')]);
  }

  close(): void {
    this.plain.closeAllConnections();
    this.plain.close();
    this.lean.closeAllConnections();
    this.lean.close();
  }

  port(which: 'plain' | 'lean'): number {
    return ((which === 'plain' ? this.plain : this.lean).address() as AddressInfo).port;
  }
}

/** Bound on waiting for a server, per case: a server that needs longer has hung (or framed a body longer). */
const DEADLINE_MS = 3000;

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Client {
  socket: Socket;
  /** Final replies (status ≥ 200) received so far. */
  finals(): number;
  closed: Promise<boolean>;
}

async function open(port: number): Promise<Client> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
  });
  const closed = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), DEADLINE_MS * 2);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  return { socket, closed, finals: () => (text.match(/HTTP\/1\.1 [2-5]\d\d /g) ?? []).length };
}

/** Writes the case's pieces, two event-loop turns apart so that each most likely arrives as its own read. */
async function send(socket: Socket, c: FuzzCase): Promise<void> {
  let at = 0;
  for (const cut of [...c.cuts, c.bytes.length]) {
    if (socket.destroyed) return;
    socket.write(c.bytes.slice(at, cut), 'latin1');
    at = cut;
    if (cut < c.bytes.length) {
      await turn();
      await turn();
    }
  }
}

/** Waits until `done()` holds, the socket closes, or the deadline passes (then false). */
async function until(client: Client, done: () => boolean): Promise<boolean> {
  const start = Date.now();
  while (!done()) {
    if (client.socket.destroyed) return true;
    if (Date.now() - start > DEADLINE_MS) return false;
    await new Promise((r) => setTimeout(r, 1));
  }
  return true;
}

export interface Verdict {
  /** What node:http alone parsed (complete requests). */
  expected: Parsed[];
  /** What the lean server (and node:http after a hand-off) parsed. */
  actual: Parsed[];
  /** Why the two differ; undefined when they agree. */
  disagreement: string | undefined;
}

const complete = (list: Parsed[]): Parsed[] => list.filter((p) => p.complete);

/**
 * Sends the case to node:http alone (then half-closes and waits for it to finish), then to the
 * lean server: there the client waits for as many replies as node:http parsed requests before it
 * half-closes, so that what the lean server hands off reaches node:http on an open connection.
 * The two must have parsed the same complete requests, in order, with the same method, target,
 * headers and body.
 */
export async function runCase(lane: Lane, c: FuzzCase): Promise<Verdict> {
  lane.plainSeen = [];
  lane.leanSeen = [];
  const ref = await open(lane.port('plain'));
  await send(ref.socket, c);
  ref.socket.end();
  const refClosed = await ref.closed;
  ref.socket.destroy();
  const expected = complete(lane.plainSeen);

  const lean = await open(lane.port('lean'));
  await send(lean.socket, c);
  const answered = await until(lean, () => lean.finals() >= expected.length);
  await turn();
  lean.socket.end();
  const leanClosed = await lean.closed;
  lean.socket.destroy();
  const actual = complete(lane.leanSeen);
  return { expected, actual, disagreement: compare(expected, actual, refClosed, answered, leanClosed) };
}

function compare(expected: Parsed[], actual: Parsed[], refClosed: boolean, answered: boolean, leanClosed: boolean): string | undefined {
  if (!refClosed) return 'node:http did not finish with the case (oracle hang)';
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (a === undefined) return `request ${i + 1}: node:http parsed ${describe(e!)}, the lean server ${answered ? 'never served it' : 'did not answer within the deadline'}`;
    if (e === undefined) return `request ${i + 1}: the lean server (${a.via}) served ${describe(a)}, which node:http never parsed`;
    const seen = a.via === 'lean' ? { ...e, headers: asStrings(e.headers) } : e;
    const diff = (['method', 'url', 'headers', 'body'] as const).find((k) => !isDeepStrictEqual(seen[k], a[k]));
    if (diff !== undefined) return `request ${i + 1} (${a.via}): ${diff} differs: node:http ${JSON.stringify(seen[diff])}, lean ${JSON.stringify(a[diff])}`;
  }
  if (!leanClosed) return 'the lean server left the connection open after the client closed its side';
  return undefined;
}

/** node:http gives Set-Cookie as an array even when it came once; the lean server, which serves no repeated header, gives its one value. */
function asStrings(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = Array.isArray(v) && v.length === 1 ? v[0] : v;
  return out;
}

function describe(p: Parsed): string {
  return `${p.method} ${JSON.stringify(p.url)} (${Object.keys(p.headers).length} headers, ${p.body.length} body bytes)`;
}
