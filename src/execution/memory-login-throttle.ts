import { IP_FACTOR, ipKey, loginKey, throttledFault, type LoginLimits, type LoginThrottle } from './login-throttle.ts';

/** Keys kept at most (a spray of distinct logins cannot grow the map without bound). */
const MAX_KEYS = 100_000;

/** The login throttle of one node: failure times per key in process memory. */
export class MemoryLoginThrottle implements LoginThrottle {
  #failures = new Map<string, number[]>();
  #max: number;
  #windowMs: number;

  constructor(limits: LoginLimits) {
    this.#max = limits.max;
    this.#windowMs = limits.windowSeconds * 1000;
  }

  #recent(key: string, now: number): number[] {
    const list = (this.#failures.get(key) ?? []).filter((t) => now - t < this.#windowMs);
    if (list.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, list);
    return list;
  }

  check(realm: string, login: string, ip: string): Promise<void> {
    const now = Date.now();
    if (this.#recent(loginKey(realm, login), now).length >= this.#max || this.#recent(ipKey(ip), now).length >= this.#max * IP_FACTOR) {
      return Promise.reject(throttledFault(login));
    }
    return Promise.resolve();
  }

  fail(realm: string, login: string, ip: string): Promise<void> {
    const now = Date.now();
    for (const key of [loginKey(realm, login), ipKey(ip)]) {
      const list = this.#recent(key, now);
      list.push(now);
      if (list.length > this.#max * IP_FACTOR * 2) list.shift();
      this.#failures.set(key, list);
    }
    while (this.#failures.size > MAX_KEYS) this.#failures.delete(this.#failures.keys().next().value as string);
    return Promise.resolve();
  }

  succeed(realm: string, login: string): Promise<void> {
    this.#failures.delete(loginKey(realm, login));
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
