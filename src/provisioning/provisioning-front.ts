import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Dispatcher as UndiciDispatcher } from 'undici';
import type { DispatcherConfig } from '../config/config.ts';
import type { SystemName } from '../core/api-call.ts';
import type { Logger } from '../core/logger.ts';
import { OriginPools } from '../portal/origin-pools.ts';
import { readWithin } from '../portal/read-within.ts';
import { requestIdOf } from '../core/request-id.ts';
import { ClientAddress } from '../core/client-address.ts';
import { validateProvisioningTarget } from './provisioning-path.ts';

/** Request headers a phone's fetch carries to the backend (conditional requests, identity). */
/** Files up to this size are read whole before they are passed on. */
const MAX_BUFFERED_FILE_BYTES = 1024 * 1024;
const FORWARDED_REQUEST = ['accept', 'accept-language', 'user-agent', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'authorization', 'range', 'if-range'];
/** Reply headers passed back: the file's type and validators; never a backend's cookies. */
const FORWARDED_REPLY = ['content-type', 'content-length', 'content-encoding', 'content-disposition', 'content-range', 'accept-ranges', 'etag', 'last-modified', 'cache-control', 'expires', 'vary'];

/** The provisioning front: handle a phone's request; close the backend pools. */
export interface ProvisioningFront {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  close(): Promise<void>;
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = `${text}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/**
 * CPE provisioning over HTTP (SPEC §4.6): `GET`/`HEAD` of a configuration file, fetched from the
 * target system and, when the target answers 404 and `provisioning.fallbackToSource` is on
 * (default), from the source. Content-Type, ETag/Last-Modified and conditional requests (304) pass
 * through. Paths are validated before any backend is touched (400). TFTP is not supported: phones
 * must be pointed at this HTTP address (most vendors accept an http:// provisioning URL by DHCP
 * option 66 or in their auto-provisioning settings).
 */
export function createProvisioningFront(o: { config: DispatcherConfig; logger: Logger }): ProvisioningFront {
  const { config, logger } = o;
  const pools = new OriginPools(config);
  // Behind a load balancer the phone's address is in X-Forwarded-For, believed only from trusted proxies.
  const clientAddress = new ClientAddress(config.security.trustedProxies);
  const order: SystemName[] = config.provisioning.fallbackToSource ? ['target', 'source'] : ['target'];

  const fetchFrom = async (system: SystemName, req: IncomingMessage, path: string, requestId: string): Promise<UndiciDispatcher.ResponseData | undefined> => {
    const base = config.systems[system].urls.provisioning;
    if (base === undefined) return undefined;
    const url = new URL(base);
    const headers: Record<string, string> = { 'x-request-id': requestId, 'x-forwarded-for': clientAddress.of(req) };
    for (const name of FORWARDED_REQUEST) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    return pools.get(url.origin).request({ method: req.method === 'HEAD' ? 'HEAD' : 'GET', path: `${url.pathname.replace(/\/+$/, '')}${path}`, headers });
  };

  return {
    async handle(req, res) {
      const requestId = requestIdOf(req.headers);
      res.setHeader('x-request-id', requestId);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        req.resume();
        plain(res, 405, `Method ${String(req.method).slice(0, 16)} not allowed: phones fetch files with GET or HEAD`, { allow: 'GET, HEAD' });
        return;
      }
      req.resume();
      const target = validateProvisioningTarget(req.url ?? '');
      if (!target.ok) {
        logger.warn('provisioning path refused', { reason: target.reason, requestId, client: clientAddress.of(req) });
        plain(res, 400, `Bad provisioning path: ${target.reason}`);
        return;
      }
      const tried: string[] = [];
      for (const system of order) {
        let reply: UndiciDispatcher.ResponseData | undefined;
        try {
          reply = await fetchFrom(system, req, target.path, requestId);
        } catch (err) {
          logger.error('provisioning backend failed', { system, file: target.file, mac: target.mac, requestId, error: err instanceof Error ? err.message : String(err) });
          plain(res, 502, `The ${system} system's provisioning server cannot be reached`);
          return;
        }
        if (reply === undefined) continue;
        tried.push(system);
        const last = system === order[order.length - 1];
        if (reply.statusCode === 404 && !last) {
          await reply.body.dump();
          continue;
        }
        logger.info('provisioning fetch', { mac: target.mac, file: target.file, system, status: reply.statusCode, method: req.method, requestId, fallback: tried.length > 1 });
        const headers: Record<string, string> = { 'x-webdispatcher-system': system };
        for (const name of FORWARDED_REPLY) {
          const v = reply.headers[name];
          if (typeof v === 'string') headers[name] = v;
        }
        if (req.method === 'HEAD' || reply.statusCode === 304) {
          res.writeHead(reply.statusCode, headers);
          await reply.body.dump();
          res.end();
          return;
        }
        // A configuration file is small: it is read whole before the phone gets a byte, so a
        // file that breaks off on the way is a 502, never a truncated file with a 200.
        let file;
        try {
          file = await readWithin(reply.body, MAX_BUFFERED_FILE_BYTES, config.timeouts.bodyMs, 'file');
        } catch (err) {
          logger.error('provisioning backend failed', { system, file: target.file, mac: target.mac, requestId, error: err instanceof Error ? err.message : String(err) });
          plain(res, 502, `The ${system} system's provisioning server broke off the file`);
          return;
        }
        if (file.whole) {
          res.writeHead(reply.statusCode, { ...headers, 'content-length': String(file.size) });
          res.end(Buffer.concat(file.chunks, file.size));
          return;
        }
        // Larger than any configuration file (firmware, say): streamed on.
        res.writeHead(reply.statusCode, headers);
        for (const chunk of file.chunks) res.write(chunk);
        await pipeline(Readable.from(file.rest), res);
        return;
      }
      logger.info('provisioning fetch', { mac: target.mac, file: target.file, system: 'none', status: 404, method: req.method, requestId });
      plain(res, tried.length === 0 ? 503 : 404, tried.length === 0 ? 'No provisioning server is configured (systems.*.urls.provisioning)' : `No configuration file ${target.file} on ${tried.join(' or ')}`);
    },
    close: () => pools.close(),
  };
}
