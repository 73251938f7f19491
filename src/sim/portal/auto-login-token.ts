import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SystemName } from '../../core/api-call.ts';

/** Lifetime of an auto-login link (PortaBilling's are short-lived too). */
export const AUTO_LOGIN_TTL_SECONDS = 300;

/**
 * What an auto-login token says. The payload is readable by anyone (base64url JSON, like a JWT's)
 * so a front end can tell which system issued it and for whom; only the issuer can verify it.
 */
export interface AutoLoginClaims {
  typ: 'auto-login';
  realm: 'customer' | 'account';
  i_customer: number;
  i_account?: number;
  /** The issuing system. */
  i_env: number;
  role: SystemName;
  /** Who asked for it (an admin or reseller login). */
  issued_by: string;
  iat: number;
  exp: number;
  jti: string;
}

/** Signs and verifies one system's auto-login tokens: `<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`. */
export class AutoLoginSigner {
  readonly #secret: Buffer;
  /** Used token ids until their expiry: a link logs in once. */
  readonly #used = new Map<string, number>();

  constructor(secret: Buffer = randomBytes(32)) {
    this.#secret = secret;
  }

  sign(claims: Omit<AutoLoginClaims, 'typ' | 'iat' | 'exp' | 'jti'>, nowMs = Date.now(), ttlSeconds = AUTO_LOGIN_TTL_SECONDS): { token: string; claims: AutoLoginClaims } {
    const iat = Math.floor(nowMs / 1000);
    const full: AutoLoginClaims = { typ: 'auto-login', ...claims, iat, exp: iat + ttlSeconds, jti: randomBytes(12).toString('base64url') };
    const body = Buffer.from(JSON.stringify(full)).toString('base64url');
    return { token: `${body}.${this.#mac(body)}`, claims: full };
  }

  /**
   * The claims of a token this system signed, still valid and never used before (the use is
   * recorded), or a reason why not.
   */
  redeem(token: string, nowMs = Date.now()): AutoLoginClaims | { refused: string } {
    const m = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return { refused: 'The auto-login link is malformed' };
    const [, body = '', mac = ''] = m;
    const expected = Buffer.from(this.#mac(body));
    if (!timingSafeEqual(expected, Buffer.from(mac))) return { refused: 'The auto-login link was not issued by this system' };
    let claims: AutoLoginClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as AutoLoginClaims;
    } catch {
      return { refused: 'The auto-login link is malformed' };
    }
    const now = Math.floor(nowMs / 1000);
    if (claims.typ !== 'auto-login' || typeof claims.exp !== 'number' || typeof claims.jti !== 'string') return { refused: 'The auto-login link is malformed' };
    if (claims.exp <= now) return { refused: 'The auto-login link has expired; ask for a new one' };
    for (const [jti, exp] of this.#used) if (exp <= now) this.#used.delete(jti);
    if (this.#used.has(claims.jti)) return { refused: 'The auto-login link was already used; ask for a new one' };
    this.#used.set(claims.jti, claims.exp);
    return claims;
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url');
  }
}
