import type { JsonObject } from '../../core/api-call.ts';
import { optFlag, optNumber, optString } from '../api/params.ts';
import { simFault } from '../api/sim-faults.ts';
import { REPLY_FAULTS, type ReplyFault } from './reply-faults.ts';

export type OutageMode = 'none' | 'refuse' | 'reset';

/** Faults injected into every API request of one system (control routes `/sim/*` are exempt). */
export interface FaultSettings {
  latency_ms: number;
  jitter_ms: number;
  error_rate: number;
  refuse_logins: boolean;
  /**
   * `refuse`: the reseller/customer/account/PortaSIP listeners close their listening sockets
   * (connections are refused); the admin listener stays open for `/sim/*` and resets every other
   * request. `reset`: every API request's connection is destroyed on every listener.
   */
  outage: OutageMode;
  /** How every API, portal and CPE request is answered: a broken reply of this kind (see reply-faults.ts), or `none`. */
  reply: ReplyFault;
}

export const NO_FAULTS: Readonly<FaultSettings> = Object.freeze({ latency_ms: 0, jitter_ms: 0, error_rate: 0, refuse_logins: false, outage: 'none', reply: 'none' });

/** Validates a `POST /sim/faults` body; fields not given keep their current value. */
export function parseFaultSettings(body: JsonObject, current: FaultSettings): FaultSettings {
  const next: FaultSettings = { ...current };
  const latency = optNumber(body, 'latency_ms');
  const jitter = optNumber(body, 'jitter_ms');
  const rate = optNumber(body, 'error_rate');
  const refuse = optFlag(body, 'refuse_logins');
  const outage = optString(body, 'outage');
  const reply = optString(body, 'reply');
  if (latency !== undefined) {
    if (latency < 0 || latency > 600_000) throw simFault('validation', `latency_ms must be 0..600000, got ${latency}`);
    next.latency_ms = latency;
  }
  if (jitter !== undefined) {
    if (jitter < 0 || jitter > 600_000) throw simFault('validation', `jitter_ms must be 0..600000, got ${jitter}`);
    next.jitter_ms = jitter;
  }
  if (rate !== undefined) {
    if (rate < 0 || rate > 1) throw simFault('validation', `error_rate must be between 0 and 1, got ${rate}`);
    next.error_rate = rate;
  }
  if (refuse !== undefined) next.refuse_logins = refuse;
  if (outage !== undefined) {
    if (outage !== 'none' && outage !== 'refuse' && outage !== 'reset') {
      throw simFault('validation', `outage must be "refuse", "reset" or "none", got ${JSON.stringify(outage)}`);
    }
    next.outage = outage;
  }
  if (reply !== undefined) {
    if (!(REPLY_FAULTS as readonly string[]).includes(reply)) throw simFault('validation', `reply must be one of ${REPLY_FAULTS.join(', ')}, got ${JSON.stringify(reply)}`);
    next.reply = reply as ReplyFault;
  }
  return next;
}
