/**
 * The floor: the proxy anyone would write in an afternoon with node:http + undici. It buffers
 * the body, JSON-parses it (JSON or form-encoded `params`), picks the upstream by `i_customer`
 * parity (odd → source, even → target), forwards the request and buffers the reply back.
 *
 * Run as its own process: `node --import tsx bench/naive-proxy.ts --source URL --target URL
 * [--source-bearer T --target-bearer T]` (tokens of real backends' sessions, swapped in);
 * prints one ready JSON line `{"ready":true,"url":…}`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

function iCustomerOf(contentType: string, body: string): number | undefined {
  let params: unknown;
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const raw = new URLSearchParams(body).get('params');
    params = raw === null ? undefined : JSON.parse(raw);
  } else {
    params = (JSON.parse(body) as { params?: unknown }).params;
  }
  if (typeof params !== 'object' || params === null) return undefined;
  const value = (params as Record<string, unknown>)['i_customer'];
  return typeof value === 'number' ? value : undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the naive proxy on 127.0.0.1 (port 0 = ephemeral) and returns its URL. */
export async function startNaiveProxy(source: string, target: string, opts: { port?: number; bearers?: { source: string; target: string } } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const pools = { source: new Pool(source, { connections: 64 }), target: new Pool(target, { connections: 64 }) };
  const port = opts.port ?? 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        const body = await readBody(req);
        const contentType = req.headers['content-type'] ?? '';
        const id = iCustomerOf(contentType, body.toString('utf8'));
        const system = id !== undefined && id % 2 === 0 ? 'target' : 'source';
        const pool = pools[system];
        const headers: Record<string, string> = { 'content-type': contentType };
        // With real backends each system has its own session: swap the client's token for it.
        const authorization = opts.bearers ? `Bearer ${opts.bearers[system]}` : req.headers.authorization;
        if (authorization !== undefined) headers['authorization'] = authorization;
        const reply = await pool.request({ method: 'POST', path: req.url ?? '/', headers, body });
        const payload = Buffer.from(await reply.body.arrayBuffer());
        res.writeHead(reply.statusCode, {
          'content-type': String(reply.headers['content-type'] ?? 'application/json'),
          'content-length': payload.length,
        });
        res.end(payload);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ faultcode: 'Server.naive_proxy', faultstring: String(err) }));
      }
    })();
  });
  server.keepAliveTimeout = 120_000;
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const actual = typeof address === 'object' && address !== null ? address.port : port;
  return {
    url: `http://127.0.0.1:${actual}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await Promise.all([pools.source.close(), pools.target.close()]);
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: {
    source: { type: 'string' }, target: { type: 'string' }, port: { type: 'string' },
    'source-bearer': { type: 'string' }, 'target-bearer': { type: 'string' },
  } });
  if (values.source === undefined || values.target === undefined) {
    process.stderr.write('usage: naive-proxy.ts --source URL --target URL [--port N]\n');
    process.exit(2);
  }
  const sb = values['source-bearer'];
  const tb = values['target-bearer'];
  const proxy = await startNaiveProxy(values.source, values.target, {
    port: Number(values.port ?? 0),
    ...(sb !== undefined && tb !== undefined ? { bearers: { source: sb, target: tb } } : {}),
  });
  process.stdout.write(`${JSON.stringify({ ready: true, url: proxy.url })}\n`);
  const stop = (): void => { void proxy.close().then(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
