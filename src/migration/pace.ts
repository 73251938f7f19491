import type { TimeWindow } from './campaign.ts';

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** `HH:MM` with 00 ≤ HH ≤ 23 and 00 ≤ MM ≤ 59. */
export function isClockTime(v: unknown): v is string {
  return typeof v === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(v);
}

/**
 * Milliseconds until the window opens at local time `now` (0: inside it). `end` before `start`
 * spans midnight (22:00–02:00); `start` equal to `end` is always open.
 */
export function msUntilWindow(window: TimeWindow, now: Date): number {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === end) return 0;
  const minute = now.getHours() * 60 + now.getMinutes();
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (inside) return 0;
  const wait = (start - minute + 1440) % 1440;
  return wait * 60_000 - now.getSeconds() * 1000 - now.getMilliseconds();
}

/** Spaces customer starts at most `ratePerMinute` per minute (undefined: no limit). */
export class RateGate {
  readonly #intervalMs: number;
  #next = 0;

  constructor(ratePerMinute: number | undefined) {
    this.#intervalMs = ratePerMinute === undefined ? 0 : 60_000 / ratePerMinute;
  }

  /** How long to wait before the next start may go (0: now); a start that goes calls `took`. */
  waitMs(now: number): number {
    return Math.max(0, this.#next - now);
  }

  took(now: number): void {
    this.#next = Math.max(now, this.#next) + this.#intervalMs;
  }
}

/** Whether failures among the last finished customers exceed the budget (`failed` flags, newest first). */
export function budgetSpent(failed: boolean[], budget: { last: number; maxFailures: number }): boolean {
  return failed.slice(0, budget.last).filter(Boolean).length > budget.maxFailures;
}
