import type { Logger } from '../core/logger.ts';

/** A store the config names could not be opened: the one line an operator reads before the exit. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Start was interrupted by a signal: not an error, the process stops cleanly. */
export class StartupAborted extends Error {
  override name = 'StartupAborted';
}

export interface RetryPolicy {
  /** Attempts in all (the first included). */
  attempts: number;
  /** Pause after the first failure; doubled after each further one, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /**
   * The whole start's bound: no attempt runs, and no pause lasts, past this long after the first
   * attempt. A store that does not answer at all (a firewall that drops, a host that is down) takes
   * its connect timeout per attempt, so the attempts alone would not bound the time.
   */
  budgetMs: number;
}

/**
 * Bounded so that a node whose database is down exits (and its supervisor restarts or alerts)
 * well within 30 s, yet rides out a store that starts a few seconds after it, as under
 * `systemctl start` of a whole host or a Kubernetes pod whose database comes up beside it.
 */
export const STARTUP_RETRIES: RetryPolicy = { attempts: 5, firstDelayMs: 500, maxDelayMs: 4000, budgetMs: 20_000 };

/** Hides a password in a connection URL that goes into a log line. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new StartupAborted('start interrupted')); return; }
    const onAbort = () => { clearTimeout(timer); reject(new StartupAborted('start interrupted')); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** What a store's open() gives back: closed when it arrives after its attempt was given up. */
type Closable = { close?: () => unknown };

/**
 * One attempt, given up (a rejection) after `ms` or at the signal. An open that succeeds after it
 * was given up is closed, so a late connection cannot keep the process alive.
 */
function attemptWithin<T>(open: () => Promise<T>, ms: number, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = () => { settled = true; clearTimeout(timer); signal?.removeEventListener('abort', onAbort); };
    const onAbort = () => { if (!settled) { finish(); reject(new StartupAborted('start interrupted')); } };
    const timer = setTimeout(() => {
      if (!settled) { finish(); reject(new Error(`no answer within ${(ms / 1000).toFixed(1)} s`)); }
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    open().then(
      (value) => {
        if (!settled) { finish(); resolve(value); return; }
        void Promise.resolve((value as Closable | undefined)?.close?.()).catch(() => undefined);
      },
      (err: unknown) => { if (!settled) { finish(); reject(err as Error); } },
    );
  });
}

/**
 * Opens `what` with bounded retries; after the last failure, or when the start's time is up
 * (`deadline`, epoch ms: shared by every store of one start), throws one StartupError naming it.
 */
export async function openWithRetries<T>(what: string, open: () => Promise<T>, opts: { logger: Logger; signal?: AbortSignal | undefined; policy?: RetryPolicy; deadline?: number }): Promise<T> {
  const policy = opts.policy ?? STARTUP_RETRIES;
  const started = Date.now();
  const deadline = opts.deadline ?? started + policy.budgetMs;
  let delay = policy.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw new StartupAborted('start interrupted');
    try {
      return await attemptWithin(open, Math.max(1, deadline - Date.now()), opts.signal);
    } catch (err) {
      if (err instanceof StartupAborted) throw err;
      const reason = (err as Error).message.split('\n')[0] ?? String(err);
      const left = deadline - Date.now();
      // Another attempt needs its pause and a moment to connect (a refused port answers at once).
      if (attempt >= policy.attempts || left < delay + 100) {
        throw new StartupError(`cannot open ${what}: ${reason} (${attempt} attempt${attempt === 1 ? '' : 's'} in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      }
      opts.logger.warn(`cannot open ${what} yet, retrying`, { attempt, of: policy.attempts, retryInMs: delay, error: reason });
      await pause(delay, opts.signal);
      delay = Math.min(policy.maxDelayMs, delay * 2);
    }
  }
}
