import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { DispatcherSession } from './session.ts';
import { signJwt, verifyJwt } from './jwt.ts';
import { dropOldest } from '../core/lru-map.ts';

/** The login reply a PortaBilling client expects. */
export interface LoginReply {
  session_id: string;
  access_token: string;
  refresh_token: string;
  expires_at: string;
  expires_in: number;
}

/** Access tokens kept verified (a multiple of 64). */
const VERIFIED_MAX = 10_240;

/** Returned for a well-signed token past its `exp`: no session (clients re-login or refresh). */
export const EXPIRED = '\u0000expired';

/**
 * The dispatcher's own credentials: 192-bit random session ids, HS256 access tokens whose `jti`
 * is the session id, and refresh tokens `<session id>.<secret>`. Backend tokens never leave.
 */
export class SessionTokens {
  #secret: string;
  /** Tokens already verified (token → jti, exp): a client sends the same token on every call. */
  #verified = new Map<string, { jti: string; exp: number | undefined }>();

  /** Random bytes drawn 4 KiB at a time (as crypto.randomUUID does); each byte is handed out once. */
  #pool = Buffer.alloc(0);
  #poolAt = 0;

  constructor(secret: string) {
    this.#secret = secret;
  }

  #random(n: number): Buffer {
    if (this.#poolAt + n > this.#pool.length) {
      this.#pool = randomBytes(4096);
      this.#poolAt = 0;
    }
    this.#poolAt += n;
    return this.#pool.subarray(this.#poolAt - n, this.#poolAt);
  }

  newSessionId(): string {
    return this.#random(24).toString('hex');
  }

  newRefreshSecret(): string {
    return this.#random(24).toString('base64url');
  }

  loginReply(session: DispatcherSession, env: number, userId: number): LoginReply {
    const now = Math.floor(Date.now() / 1000);
    const access = signJwt(
      { iat: now, exp: session.expiresAt, jti: session.id, login: session.login, realm: session.realm, i_env: env, aud: session.realm, i_user: userId },
      this.#secret,
    );
    return {
      session_id: session.id,
      access_token: access,
      refresh_token: `${session.id}.${session.refreshSecret}`,
      expires_at: new Date(session.expiresAt * 1000).toISOString(),
      expires_in: Math.max(0, session.expiresAt - now),
    };
  }

  /** The session id an access token names, or undefined when the token is malformed or forged. */
  sessionIdOfAccessToken(token: string): string | undefined {
    let known = this.#verified.get(token);
    if (known === undefined) {
      const payload = verifyJwt(token, this.#secret);
      if (typeof payload?.jti !== 'string') return undefined;
      known = { jti: payload.jti, exp: typeof payload.exp === 'number' ? payload.exp : undefined };
      // Bounded: past the cap the oldest 1/64 go at once (a Map iterates in insertion order; one
      // at a time, finding the first key walks every slot deleted before it: see LruMap).
      if (this.#verified.size >= VERIFIED_MAX) dropOldest(this.#verified, VERIFIED_MAX / 64);
      this.#verified.set(token, known);
    }
    // A token past its exp is dead even if its session lives on (an older token after a refresh).
    if (known.exp !== undefined && known.exp <= Date.now() / 1000) return EXPIRED;
    return known.jti;
  }

  /** Splits a refresh token; the secret part is checked against the stored session by `refreshMatches`. */
  parseRefreshToken(token: string): { sessionId: string; secret: string } | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 200) return undefined;
    return { sessionId: token.slice(0, dot), secret: token.slice(dot + 1) };
  }

  refreshMatches(session: DispatcherSession, secret: string): boolean {
    const a = Buffer.from(session.refreshSecret);
    const b = Buffer.from(secret);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
