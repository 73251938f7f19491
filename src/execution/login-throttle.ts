import { ApiFault, PortaFaultCode } from '../core/faults.ts';

/**
 * Counts failed logins per (realm, login) and per client IP within a window; past the limit,
 * logins are refused before any backend is asked (PortaBilling's own brute-force fault code).
 */
export class LoginThrottle {
  #failures = new Map<string, number[]>();
  #max: number;
  #windowMs: number;

  constructor(max: number, windowSeconds: number) {
    this.#max = max;
    this.#windowMs = windowSeconds * 1000;
  }

  #recent(key: string, now: number): number[] {
    const list = (this.#failures.get(key) ?? []).filter((t) => now - t < this.#windowMs);
    if (list.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, list);
    return list;
  }

  check(realm: string, login: string, ip: string): void {
    const now = Date.now();
    if (this.#recent(`u:${realm}:${login}`, now).length >= this.#max || this.#recent(`ip:${ip}`, now).length >= this.#max * 5) {
      throw new ApiFault(PortaFaultCode.bruteForce, `Too many failed logins for ${JSON.stringify(login)}; try again later`);
    }
  }

  fail(realm: string, login: string, ip: string): void {
    const now = Date.now();
    for (const key of [`u:${realm}:${login}`, `ip:${ip}`]) {
      const list = this.#recent(key, now);
      list.push(now);
      if (list.length > this.#max * 10) list.shift();
      this.#failures.set(key, list);
    }
    // Bound the map against a spray of distinct logins.
    while (this.#failures.size > 100_000) this.#failures.delete(this.#failures.keys().next().value as string);
  }

  succeed(realm: string, login: string): void {
    this.#failures.delete(`u:${realm}:${login}`);
  }
}
