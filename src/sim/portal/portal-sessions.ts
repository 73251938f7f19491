import { randomBytes } from 'node:crypto';

/** Who is logged in to the self-care portal: a customer, or an account (one phone line). */
export type PortalUser =
  | { realm: 'customer'; i_customer: number }
  | { realm: 'account'; i_account: number; i_customer: number };

/** Idle lifetime of a portal session. */
export const PORTAL_SESSION_IDLE_MS = 30 * 60_000;
const MAX_SESSIONS = 100_000;

/** In-memory browser sessions of one simulated portal (the cookie holds a random id). */
export class PortalSessions {
  readonly #sessions = new Map<string, { user: PortalUser; expiresAt: number }>();

  open(user: PortalUser, now = Date.now()): string {
    if (this.#sessions.size >= MAX_SESSIONS) this.#sweep(now);
    const id = randomBytes(18).toString('base64url');
    this.#sessions.set(id, { user, expiresAt: now + PORTAL_SESSION_IDLE_MS });
    return id;
  }

  /** The user of a live session (its idle timer restarts), or undefined. */
  get(id: string, now = Date.now()): PortalUser | undefined {
    const s = this.#sessions.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= now) {
      this.#sessions.delete(id);
      return undefined;
    }
    s.expiresAt = now + PORTAL_SESSION_IDLE_MS;
    return s.user;
  }

  close(id: string): void {
    this.#sessions.delete(id);
  }

  #sweep(now: number): void {
    for (const [id, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(id);
    // Still full: drop the oldest rather than grow without bound.
    while (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value as string);
  }
}
