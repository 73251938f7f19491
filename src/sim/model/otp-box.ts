import { randomInt } from 'node:crypto';

/** How long a one-time password stays valid. */
export const OTP_TTL_MS = 10 * 60_000;
/** Wrong guesses after which a pending OTP is dropped. */
export const OTP_MAX_ATTEMPTS = 5;

/** One pending OTP as the simulator's "mailbox" shows it to tests. */
export interface PendingOtp {
  otp_token: string;
  i_customer: number;
  expires_at: number;
}

interface Entry extends PendingOtp {
  attempts: number;
}

/**
 * One-time passwords created by `AccessControl/create_otp`, keyed by (send_to, id). The real
 * system mails or texts them; the simulator keeps the last one per key so a test can read it
 * (`GET /sim/otp`) and verify it.
 */
export class OtpBox {
  readonly #pending = new Map<string, Entry>();

  static key(sendTo: string, id: string): string {
    return `${sendTo}\u0000${id}`;
  }

  create(sendTo: string, id: string, iCustomer: number, now = Date.now()): void {
    const otp_token = String(randomInt(0, 1_000_000)).padStart(6, '0');
    this.#pending.set(OtpBox.key(sendTo, id), { otp_token, i_customer: iCustomer, expires_at: now + OTP_TTL_MS, attempts: 0 });
  }

  peek(sendTo: string, id: string, now = Date.now()): PendingOtp | undefined {
    const e = this.#pending.get(OtpBox.key(sendTo, id));
    if (!e || e.expires_at <= now) return undefined;
    return { otp_token: e.otp_token, i_customer: e.i_customer, expires_at: e.expires_at };
  }

  /** True (and the OTP is used up) when `token` matches a live OTP for the key. */
  verify(sendTo: string, id: string, token: string, now = Date.now()): boolean {
    const key = OtpBox.key(sendTo, id);
    const e = this.#pending.get(key);
    if (!e || e.expires_at <= now) return false;
    if (e.otp_token !== token) {
      if (++e.attempts >= OTP_MAX_ATTEMPTS) this.#pending.delete(key);
      return false;
    }
    this.#pending.delete(key);
    return true;
  }
}
