import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';

/** An IPv4/IPv6 address or `address/bits` CIDR, as IpAllowList takes it (the config is checked with this). */
export function isIpOrCidr(s: string): boolean {
  const slash = s.indexOf('/');
  const addr = slash === -1 ? s : s.slice(0, slash);
  const family = isIP(addr);
  if (family === 0) return false;
  if (slash === -1) return true;
  const bits = s.slice(slash + 1);
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** Per-realm (`admin`) and per-user (`admin:alice`) client IP allow-lists (SPEC §4.8). */
export class IpAllowList {
  #lists = new Map<string, BlockList>();

  constructor(config: Record<string, readonly string[]>) {
    for (const [key, entries] of Object.entries(config)) {
      const list = new BlockList();
      for (const entry of entries) {
        const [addr, bits] = entry.split('/') as [string, string | undefined];
        const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
        if (bits === undefined) list.addAddress(addr, type);
        else list.addSubnet(addr, Number(bits), type);
      }
      this.#lists.set(key, list);
    }
  }

  /** True when `ip` may use `key`; keys without a list allow everyone. */
  allows(key: string, ip: string): boolean {
    const list = this.#lists.get(key);
    if (list === undefined) return true;
    const plain = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
    return list.check(plain, isIPv6(plain) ? 'ipv6' : 'ipv4');
  }
}
