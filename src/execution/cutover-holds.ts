import { dispatcherFault } from '../core/faults.ts';

/**
 * Per-node bookkeeping of a cutover (SPEC §4.4): calls in flight per customer, customers being
 * moved, and calls waiting for a move to end. All checks are synchronous, so within one event loop
 * a call either entered before `markMoving` (and `drain` waits for it) or sees the move and waits.
 */
export class CutoverHolds {
  #inFlight = new Map<number, number>();
  #moving = new Set<number>();
  #waiters = new Map<number, Set<() => void>>();
  #drainers = new Map<number, Set<() => void>>();
  #longestHoldMs = 0;

  /** Registers a call on its way to a backend; returns undefined when the customer is moving (hold instead). */
  enter(iCustomer: number): (() => void) | undefined {
    if (this.#moving.has(iCustomer)) return undefined;
    this.#inFlight.set(iCustomer, (this.#inFlight.get(iCustomer) ?? 0) + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const n = (this.#inFlight.get(iCustomer) ?? 1) - 1;
      if (n > 0) {
        this.#inFlight.set(iCustomer, n);
        return;
      }
      this.#inFlight.delete(iCustomer);
      const drainers = this.#drainers.get(iCustomer);
      if (drainers) {
        this.#drainers.delete(iCustomer);
        for (const d of drainers) d();
      }
    };
  }

  inFlight(iCustomer: number): number {
    return this.#inFlight.get(iCustomer) ?? 0;
  }

  /** From now on new calls for this customer wait. */
  markMoving(iCustomer: number): void {
    this.#moving.add(iCustomer);
  }

  /** Resolves when no call for the customer is in flight on this node, or rejects after `timeoutMs`. */
  drain(iCustomer: number, timeoutMs: number): Promise<void> {
    if (this.inFlight(iCustomer) === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let set = this.#drainers.get(iCustomer);
      if (!set) this.#drainers.set(iCustomer, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        set.delete(done);
        reject(dispatcherFault('conflict', `Customer ${iCustomer} still has ${this.inFlight(iCustomer)} call(s) in flight after ${timeoutMs} ms`, { httpStatus: 409 }));
      }, timeoutMs);
      set.add(done);
    });
  }

  /** The move ended (commit or abort): wake every held call so it routes again. */
  release(iCustomer: number): void {
    this.#moving.delete(iCustomer);
    const waiters = this.#waiters.get(iCustomer);
    if (!waiters) return;
    this.#waiters.delete(iCustomer);
    for (const w of waiters) w();
  }

  /** Waits for the move to end; rejects with the retryable `customer_migrating` fault after `timeoutMs`. */
  wait(iCustomer: number, timeoutMs: number): Promise<void> {
    if (!this.#moving.has(iCustomer)) return Promise.resolve();
    const started = performance.now();
    return new Promise((resolve, reject) => {
      let set = this.#waiters.get(iCustomer);
      if (!set) this.#waiters.set(iCustomer, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        this.#longestHoldMs = Math.max(this.#longestHoldMs, performance.now() - started);
        resolve();
      };
      const timer = setTimeout(() => {
        set.delete(done);
        this.#longestHoldMs = Math.max(this.#longestHoldMs, performance.now() - started);
        reject(dispatcherFault('customerMigrating', `Customer ${iCustomer} is being migrated; retry the call shortly`, { retryable: true }));
      }, timeoutMs);
      set.add(done);
    });
  }

  movingCustomers(): number[] {
    return [...this.#moving];
  }

  heldCalls(): number {
    let n = 0;
    for (const s of this.#waiters.values()) n += s.size;
    return n;
  }

  longestHoldMs(): number {
    return this.#longestHoldMs;
  }
}
