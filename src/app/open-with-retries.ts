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
}

/**
 * Bounded so that a node whose database is down exits (and its supervisor restarts or alerts)
 * well within 30 s, yet rides out a store that starts a few seconds after it, as under
 * `systemctl start` of a whole host or a Kubernetes pod whose database comes up beside it.
 */
export const STARTUP_RETRIES: RetryPolicy = { attempts: 5, firstDelayMs: 500, maxDelayMs: 4000 };

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

/** Opens `what` with bounded retries; after the last failure throws one StartupError naming it. */
export async function openWithRetries<T>(what: string, open: () => Promise<T>, opts: { logger: Logger; signal?: AbortSignal | undefined; policy?: RetryPolicy }): Promise<T> {
  const policy = opts.policy ?? STARTUP_RETRIES;
  const started = Date.now();
  let delay = policy.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw new StartupAborted('start interrupted');
    try {
      return await open();
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0] ?? String(err);
      if (attempt >= policy.attempts) {
        throw new StartupError(`cannot open ${what}: ${reason} (${attempt} attempts in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      }
      opts.logger.warn(`cannot open ${what} yet, retrying`, { attempt, of: policy.attempts, retryInMs: delay, error: reason });
      await pause(delay, opts.signal);
      delay = Math.min(policy.maxDelayMs, delay * 2);
    }
  }
}
