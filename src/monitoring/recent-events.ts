import type { SystemName } from '../core/api-call.ts';
import { RingBuffer } from '../core/ring-buffer.ts';

/** A call that ended in a fault (see the API handler's `onFault`). */
export interface RecentFault {
  at: number;
  requestId: string;
  listener: string;
  method?: string;
  status: number;
  faultcode?: string;
  systems: readonly string[];
}

/** One cutover that ended on this node, with how long its customer's calls were held. */
export interface RecentCutover {
  at: number;
  iCustomer: number;
  outcome: 'commit' | 'abort';
  system: SystemName;
  /** From begin to its end, when both ran on this node. */
  holdMs: number | null;
}

/** The console's recent events: the last faults (with request ids) and the last cutovers. */
export class RecentEvents {
  readonly faults = new RingBuffer<RecentFault>(50);
  readonly cutovers = new RingBuffer<RecentCutover>(50);
  readonly #begun = new Map<number, number>();

  fault(f: RecentFault): void {
    this.faults.push(f);
  }

  cutoverBegun(iCustomer: number): void {
    if (this.#begun.size > 10_000) this.#begun.clear();
    this.#begun.set(iCustomer, performance.now());
  }

  cutoverEnded(iCustomer: number, outcome: 'commit' | 'abort', system: SystemName): void {
    const started = this.#begun.get(iCustomer);
    this.#begun.delete(iCustomer);
    this.cutovers.push({ at: Date.now(), iCustomer, outcome, system, holdMs: started === undefined ? null : Math.round(performance.now() - started) });
  }

  /** Newest first. */
  snapshot(): { faults: RecentFault[]; cutovers: RecentCutover[] } {
    return { faults: this.faults.toArray().reverse(), cutovers: this.cutovers.toArray().reverse() };
  }
}
