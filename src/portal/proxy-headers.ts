/** RFC 9110 §7.6.1: headers that describe one connection, never forwarded by a proxy. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade']);

/** Whether a header must not cross the proxy: a hop-by-hop one, or one the `Connection` header names. */
export function isHopByHop(name: string, connectionHeader: string | string[] | undefined): boolean {
  const n = name.toLowerCase();
  if (HOP_BY_HOP.has(n)) return true;
  const listed = Array.isArray(connectionHeader) ? connectionHeader.join(',') : connectionHeader ?? '';
  return listed.split(',').some((t) => t.trim().toLowerCase() === n);
}

