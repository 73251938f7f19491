import { randomInt } from 'node:crypto';

/** How long a one-time password stays valid. */
export const OTP_TTL_MS = 10 * 60_000;
/** Wrong guesses within one session after which its pending OTPs are dropped. */
export const OTP_MAX_ATTEMPTS = 5;

/** Whom an OTP was sent to (the record it belongs to). */
export interface OtpTarget {
  sendTo: 'account' | 'customer';
  iCustomer: number;
  iAccount?: number;
}

/** One pending OTP as the simulator's "mailbox" shows it to tests. */
export interface PendingOtp {
  otp_token: string;
  operation: string;
  i_customer: number;
  i_account?: number;
  expires_at: number;
}

interface Entry {
  token: string;
  operation: string;
  target: OtpTarget;
  expiresAt: number;
}

/**
 * One-time passwords of `AccessControl/create_otp`. As on PortaBilling, an OTP is verified within
 * the API session that created it (`verify_otp` carries only the code and the operation), so
 * entries are kept per creating session. The real system mails or texts the code; the simulator
 * keeps the last one per recipient so a test can read it (`GET /sim/otp`).
 */
export class OtpBox {
  readonly #bySession = new Map<string, Entry[]>();
  readonly #mailbox = new Map<string, Entry>();
  readonly #misses = new Map<string, number>();

  static recipientKey(sendTo: string, id: number): string {
    return `${sendTo}:${id}`;
  }

  create(sessionKey: string, target: OtpTarget, operation: string, now = Date.now()): void {
    const entry: Entry = { token: String(randomInt(0, 1_000_000)).padStart(6, '0'), operation, target, expiresAt: now + OTP_TTL_MS };
    const live = (this.#bySession.get(sessionKey) ?? []).filter((e) => e.expiresAt > now && !(e.target.sendTo === target.sendTo && e.target.iCustomer === target.iCustomer && e.target.iAccount === target.iAccount && e.operation === operation));
    live.push(entry);
    this.#bySession.set(sessionKey, live.slice(-50));
    this.#mailbox.set(OtpBox.recipientKey(target.sendTo, target.sendTo === 'account' ? target.iAccount ?? 0 : target.iCustomer), entry);
  }

  /** The last OTP sent to a recipient (`account` + i_account, `customer` + i_customer). */
  peek(sendTo: string, id: number, now = Date.now()): PendingOtp | undefined {
    const e = this.#mailbox.get(OtpBox.recipientKey(sendTo, id));
    if (!e || e.expiresAt <= now) return undefined;
    return { otp_token: e.token, operation: e.operation, i_customer: e.target.iCustomer, ...(e.target.iAccount === undefined ? {} : { i_account: e.target.iAccount }), expires_at: e.expiresAt };
  }

  /** Who a live OTP of this session with this code (and operation) was sent to, without using it up. */
  find(sessionKey: string, token: string, operation: string | undefined, now = Date.now()): OtpTarget | undefined {
    const e = (this.#bySession.get(sessionKey) ?? []).find((x) => x.expiresAt > now && x.token === token && (operation === undefined || x.operation === operation));
    return e?.target;
  }

  /** Uses the OTP up (true), or counts a miss for the session (false). */
  consume(sessionKey: string, token: string, operation: string | undefined, now = Date.now()): boolean {
    const list = this.#bySession.get(sessionKey) ?? [];
    const i = list.findIndex((x) => x.expiresAt > now && x.token === token && (operation === undefined || x.operation === operation));
    if (i < 0) {
      const misses = (this.#misses.get(sessionKey) ?? 0) + 1;
      this.#misses.set(sessionKey, misses);
      if (misses >= OTP_MAX_ATTEMPTS) {
        this.#bySession.delete(sessionKey);
        this.#misses.delete(sessionKey);
      }
      return false;
    }
    list.splice(i, 1);
    this.#misses.delete(sessionKey);
    return true;
  }
}
