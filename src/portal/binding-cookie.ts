import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SystemName } from '../core/api-call.ts';

/** Name of the dispatcher's own portal cookie (never forwarded to a system). */
export const BINDING_COOKIE = 'wd_portal';
/** A binding older than this is ignored: the browser logs in again. */
export const BINDING_MAX_AGE_SECONDS = 12 * 3600;

/** Which system a browser is bound to, and for whom (so a move can be noticed per request). */
export interface PortalBinding {
  system: SystemName;
  realm: 'customer' | 'account';
  iCustomer: number;
  iAccount?: number;
  /** Seconds since the epoch. */
  issuedAt: number;
}

interface Wire {
  s: SystemName;
  r: 'customer' | 'account';
  c: number;
  a?: number;
  t: number;
}

/**
 * Signs and reads binding cookies: `<base64url(JSON)>.<HMAC-SHA256>` keyed by a key derived from
 * `sessions.secret`, so every node of a cluster reads every other's cookies with no shared store.
 */
export class BindingCookies {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = createHmac('sha256', secret).update('webdispatcher portal binding v1').digest();
  }

  sign(b: PortalBinding): string {
    const wire: Wire = { s: b.system, r: b.realm, c: b.iCustomer, t: b.issuedAt, ...(b.iAccount === undefined ? {} : { a: b.iAccount }) };
    const body = Buffer.from(JSON.stringify(wire)).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /** The binding a cookie value carries when its signature holds and it is not too old. */
  verify(value: string | undefined, nowSeconds = Math.floor(Date.now() / 1000)): PortalBinding | undefined {
    const m = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
    if (!m) return undefined;
    const [, body = '', mac = ''] = m;
    if (!timingSafeEqual(Buffer.from(this.#mac(body)), Buffer.from(mac))) return undefined;
    let w: Wire;
    try {
      w = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Wire;
    } catch {
      return undefined;
    }
    if ((w.s !== 'source' && w.s !== 'target') || (w.r !== 'customer' && w.r !== 'account') || !Number.isSafeInteger(w.c) || typeof w.t !== 'number') return undefined;
    if (nowSeconds - w.t > BINDING_MAX_AGE_SECONDS || w.t - nowSeconds > 60) return undefined;
    return { system: w.s, realm: w.r, iCustomer: w.c, issuedAt: w.t, ...(typeof w.a === 'number' ? { iAccount: w.a } : {}) };
  }

  /** The Set-Cookie header value (HttpOnly, SameSite=Lax, Secure when the client uses TLS). */
  header(value: string, secure: boolean): string {
    return `${BINDING_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  clearHeader(secure: boolean): string {
    return `${BINDING_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Cookie header without one cookie (the dispatcher's own is never forwarded). */
export function cookieHeaderWithout(header: string | undefined, name: string): string | undefined {
  const kept = (header ?? '').split(';').map((p) => p.trim()).filter((p) => p !== '' && p.slice(0, p.indexOf('=')).trim() !== name);
  return kept.length === 0 ? undefined : kept.join('; ');
}
