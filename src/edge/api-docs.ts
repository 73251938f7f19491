import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import type { Realm } from '../core/api-call.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import type { DispatcherConfig } from '../config/config.ts';
import { dispatcherFault, isApiFault } from '../core/faults.ts';

const PREFIX = '/doc/api/';
/** Only documentation file names: no dots but the extension, no slashes, no escapes. */
const DOC_NAME = /^[A-Za-z]+Interface\.json$/;
/** API documents are a few hundred KiB on a real system; anything far larger is refused. */
export const MAX_API_DOC_BYTES = 8 * 1024 * 1024;

/** Serves one `GET /doc/api/<X>Interface.json` request; resolves to the HTTP status written. */
export type ApiDocsProxy = (req: IncomingMessage, res: ServerResponse, ctx: { realm: Realm; requestId: string }) => Promise<number>;

/**
 * Passes the per-realm API docs (SPEC §3) through from the default-context system: both systems
 * run the same release, so one answers for both. The file name is checked against a strict
 * pattern before anything is sent; a backend 404 (or other JSON fault) is passed through as is.
 */
export function createApiDocsProxy(backends: BackendClient, config: DispatcherConfig): ApiDocsProxy {
  const system = config.routing.defaultContext;
  const { connectMs, headersMs, bodyMs } = config.timeouts;
  return async (req, res, { realm, requestId }) => {
    req.resume();
    const path = (req.url ?? '/').split('?')[0] ?? '';
    const name = path.slice(PREFIX.length);
    if (!path.startsWith(PREFIX) || !DOC_NAME.test(name)) {
      throw dispatcherFault('notFound', `No such API document: ${path.slice(0, 200)}`, { httpStatus: 404 });
    }
    const where = `the ${system} system (${realm})`;
    let upstream;
    try {
      upstream = await request(`${backends.origin(system, realm)}${PREFIX}${name}`, {
        method: 'GET',
        headers: { accept: 'application/json', 'x-request-id': requestId },
        headersTimeout: headersMs,
        bodyTimeout: bodyMs,
        signal: AbortSignal.timeout(connectMs + headersMs + bodyMs),
        // Docs are fetched rarely: no keep-alive pool to hold open or close.
        reset: true,
      });
    } catch (err) {
      throw dispatcherFault('backendUnavailable', `API docs: ${where} is unavailable (${(err as { code?: string }).code ?? (err as Error).message})`, { cause: err, retryable: true });
    }
    const contentType = String(upstream.headers['content-type'] ?? '');
    const declared = Number(upstream.headers['content-length'] ?? 0);
    if (!/json/i.test(contentType) || declared > MAX_API_DOC_BYTES) {
      await upstream.body.dump();
      throw dispatcherFault('backendUnavailable', `API docs: ${where} answered HTTP ${upstream.statusCode} with ${contentType || 'no content type'}${declared > MAX_API_DOC_BYTES ? ` and ${declared} bytes` : ''}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of upstream.body) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > MAX_API_DOC_BYTES) throw dispatcherFault('backendUnavailable', `API docs: ${where} sent more than ${MAX_API_DOC_BYTES} bytes`);
        chunks.push(buf);
      }
    } catch (err) {
      upstream.body.destroy();
      if (isApiFault(err)) throw err;
      throw dispatcherFault('backendUnavailable', `API docs: reading the reply of ${where} failed`, { cause: err, retryable: true });
    }
    const body = Buffer.concat(chunks);
    res.statusCode = upstream.statusCode;
    res.setHeader('content-type', contentType);
    for (const h of ['cache-control', 'etag', 'last-modified']) {
      const v = upstream.headers[h];
      if (typeof v === 'string') res.setHeader(h, v);
    }
    res.setHeader('x-request-id', requestId);
    res.setHeader('content-length', body.length);
    res.end(body);
    return upstream.statusCode;
  };
}
