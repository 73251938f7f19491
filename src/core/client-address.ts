import type { IncomingMessage } from 'node:http';
import { BlockList, isIPv4, isIPv6 } from 'node:net';

function plain(ip: string): string {
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

/**
 * The client's address for allow-lists, throttling and logs. Behind a load balancer every
 * connection comes from the balancer, so `X-Forwarded-For` is read, but only when the connection
 * comes from a configured trusted proxy, and only up to the first address that is not one (a
 * client can put anything at the start of that header).
 */
export class ClientAddress {
  #trusted = new BlockList();
  #any = false;

  constructor(trustedProxies: readonly string[]) {
    for (const entry of trustedProxies) {
      const [addr, bits] = entry.split('/') as [string, string | undefined];
      const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.#trusted.addAddress(addr, type);
      else this.#trusted.addSubnet(addr, Number(bits), type);
      this.#any = true;
    }
  }

  #isTrusted(ip: string): boolean {
    if (isIPv4(ip)) return this.#trusted.check(ip, 'ipv4');
    if (isIPv6(ip)) return this.#trusted.check(ip, 'ipv6');
    return false;
  }

  of(req: IncomingMessage): string {
    return this.ofPeer(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for']);
  }

  /** The same, from the socket peer and the X-Forwarded-For header (for servers without an IncomingMessage). */
  ofPeer(remoteAddress: string, header: string | string[] | undefined): string {
    const peer = plain(remoteAddress);
    if (!this.#any || !this.#isTrusted(peer)) return peer;
    const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((h) => plain(h.trim())).filter((h) => h !== '');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (!isIPv4(hop) && !isIPv6(hop)) return peer;
      if (!this.#isTrusted(hop)) return hop;
    }
    return hops[0] ?? peer;
  }
}
