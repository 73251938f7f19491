/**
 * A job run every `intervalMs` after the previous run ended (never two at once), whose timer does
 * not keep the process alive: the schedule shared by the periodic drift and reconcile runs.
 */
export interface PeriodicRunOptions {
  intervalMs: number;
  /** One run; a rejection goes to `onError` and the schedule goes on. */
  run: () => Promise<unknown>;
  onError: (err: Error) => void;
}

export class PeriodicRun {
  readonly #o: PeriodicRunOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #nextRunAt: number | undefined;
  #stopped = false;

  constructor(options: PeriodicRunOptions) {
    this.#o = options;
  }

  /** Schedules the first run `firstMs` from now (default: one interval); no-op once stopped or started. */
  start(firstMs = this.#o.intervalMs): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#schedule(firstMs);
  }

  /** When the next run starts (ISO time), or null when none is scheduled (off, stopped, or running). */
  nextRunAt(): string | null {
    return this.#nextRunAt === undefined ? null : new Date(this.#nextRunAt).toISOString();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextRunAt = undefined;
  }

  #schedule(ms: number): void {
    this.#nextRunAt = Date.now() + ms;
    this.#timer = setTimeout(() => {
      this.#nextRunAt = undefined;
      void Promise.resolve().then(this.#o.run)
        .catch((err: unknown) => { this.#o.onError(err instanceof Error ? err : new Error(String(err))); })
        .finally(() => {
          this.#timer = undefined;
          if (!this.#stopped) this.#schedule(this.#o.intervalMs);
        });
    }, ms);
    this.#timer.unref();
  }
}
