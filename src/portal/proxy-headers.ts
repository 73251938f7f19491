import type { IncomingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1: headers that describe one connection, never forwarded by a proxy. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade']);

/** Whether a header must not cross the proxy: a hop-by-hop one, or one the `Connection` header names. */
export function isHopByHop(name: string, connectionHeader: string | string[] | undefined): boolean {
  const n = name.toLowerCase();
  if (HOP_BY_HOP.has(n)) return true;
  const listed = Array.isArray(connectionHeader) ? connectionHeader.join(',') : connectionHeader ?? '';
  return listed.split(',').some((t) => t.trim().toLowerCase() === n);
}

/** A client's X-Request-Id when it is sane (kept end to end), else a fresh one. */
export function requestIdOf(headers: IncomingHttpHeaders, fresh: () => string): string {
  const v = headers['x-request-id'];
  return typeof v === 'string' && /^[\w.:-]{1,128}$/.test(v) ? v : fresh();
}

/** The client's address without the IPv4-mapped prefix. */
export function clientIpOf(remote: string | undefined): string {
  const ip = remote ?? '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
