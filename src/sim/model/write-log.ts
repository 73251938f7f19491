import type { JsonObject } from '../../core/api-call.ts';

/** One write the simulator applied (or refused because the record has moved away). */
export interface WriteLogEntry {
  seq: number;
  time: string;
  method: string;
  i_customer: number;
  i_account?: number;
  applied: boolean;
  fields: JsonObject;
  faultcode?: string;
}

/** Entries kept per customer; older ones are dropped (counts stay exact). */
export const WRITE_LOG_CAPACITY = 10_000;

interface CustomerLog {
  entries: WriteLogEntry[];
  /** Index of the oldest entry once the ring is full. */
  head: number;
  appliedCount: number;
  refusedCount: number;
}

/**
 * Audit of writes per customer, for the no-lost-write proof: a bounded ring buffer of entries
 * plus exact counters.
 */
export class WriteLog {
  readonly #logs = new Map<number, CustomerLog>();
  readonly #capacity: number;
  #seq = 0;

  constructor(capacity = WRITE_LOG_CAPACITY) {
    this.#capacity = capacity;
  }

  record(entry: Omit<WriteLogEntry, 'seq' | 'time'>): void {
    let log = this.#logs.get(entry.i_customer);
    if (!log) {
      log = { entries: [], head: 0, appliedCount: 0, refusedCount: 0 };
      this.#logs.set(entry.i_customer, log);
    }
    const full: WriteLogEntry = { seq: ++this.#seq, time: new Date().toISOString(), ...entry };
    if (entry.applied) log.appliedCount++;
    else log.refusedCount++;
    if (log.entries.length < this.#capacity) log.entries.push(full);
    else {
      log.entries[log.head] = full;
      log.head = (log.head + 1) % this.#capacity;
    }
  }

  /** Oldest first. */
  entriesOf(iCustomer: number): { applied: WriteLogEntry[]; refused: WriteLogEntry[]; applied_count: number; refused_count: number } {
    const log = this.#logs.get(iCustomer);
    if (!log) return { applied: [], refused: [], applied_count: 0, refused_count: 0 };
    const ordered = [...log.entries.slice(log.head), ...log.entries.slice(0, log.head)];
    return {
      applied: ordered.filter((e) => e.applied),
      refused: ordered.filter((e) => !e.applied),
      applied_count: log.appliedCount,
      refused_count: log.refusedCount,
    };
  }
}
