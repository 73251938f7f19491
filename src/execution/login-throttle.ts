import { ApiFault, PortaFaultCode } from '../core/faults.ts';

/** `security.loginFailures`: failed logins allowed per (realm, login) within the window (per client IP: 5×). */
export interface LoginLimits {
  max: number;
  windowSeconds: number;
}

/**
 * Counts failed logins per (realm, login) and per client IP within a window; past the limit,
 * logins are refused before any backend is asked (PortaBilling's own brute-force fault code).
 * One node: MemoryLoginThrottle. A cluster whose sessions live in Redis: RedisLoginThrottle, so N
 * nodes allow the attempts of one, not N times as many.
 */
export interface LoginThrottle {
  /** Throws the brute-force fault when the login or the address is over its limit. */
  check(realm: string, login: string, ip: string): Promise<void>;
  /** Records a refused login (best effort: never throws). */
  fail(realm: string, login: string, ip: string): Promise<void>;
  /** A successful login clears the login's count (best effort: never throws). */
  succeed(realm: string, login: string): Promise<void>;
  close(): Promise<void>;
}

/** Failures per client IP allowed for each failure per login (many users behind one NAT). */
export const IP_FACTOR = 5;

export function loginKey(realm: string, login: string): string {
  return `u:${realm}:${login}`;
}

export function ipKey(ip: string): string {
  return `ip:${ip}`;
}

export function throttledFault(login: string): ApiFault {
  return new ApiFault(PortaFaultCode.bruteForce, `Too many failed logins for ${JSON.stringify(login)}; try again later`);
}
