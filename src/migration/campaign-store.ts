import type { CampaignPhase, CampaignRecord, CampaignSpec, CampaignState, CustomerEntry, CustomerStep, EntryPatch } from './campaign.ts';

/** Counts per customer step, and how many finished since a moment (for the rate). */
export interface CampaignProgress {
  counts: Record<CustomerStep, number>;
  finishedSince: number;
}

/**
 * Durable campaign state (issue 12), kept in the directory's store: SQLite (same file, own
 * tables), PostgreSQL (same schema, own tables) or memory (tests). Every method is one atomic
 * store operation; a campaign's lease makes one node its driver at a time.
 */
export interface CampaignStore {
  /** Creates a campaign in `created` with every customer `pending`; a taken name is a 409 conflict. */
  create(spec: CampaignSpec, customers: number[], now: number): Promise<CampaignRecord>;
  get(name: string): Promise<CampaignRecord | undefined>;
  list(): Promise<CampaignRecord[]>;
  /** Sets state, phase and reason. `onlyIf`: only when the current state is one of these (returns whether it changed). */
  setState(name: string, state: CampaignState, phase: CampaignPhase, reason: string | null, now: number, onlyIf?: CampaignState[]): Promise<boolean>;
  /** Customers in one of `states`, ascending i_customer, at most `limit`. */
  entries(name: string, states: CustomerStep[], limit: number): Promise<CustomerEntry[]>;
  entry(name: string, iCustomer: number): Promise<CustomerEntry | undefined>;
  updateEntry(name: string, iCustomer: number, patch: EntryPatch, now: number): Promise<void>;
  /** The last `n` customers that finished, newest first. */
  recentFinished(name: string, n: number): Promise<CustomerEntry[]>;
  progress(name: string, finishedSince: number): Promise<CampaignProgress>;
  /** Takes or renews the driver lease (free, expired, or already `owner`'s); returns whether `owner` holds it. */
  acquireLease(name: string, owner: string, now: number, ms: number): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<void>;
  close(): Promise<void>;
}

/** Zero for every step. */
export function emptyCounts(): Record<CustomerStep, number> {
  return { pending: 0, prechecked: 0, holding: 0, copied: 0, verified: 0, committed: 0, failed: 0, 'rolled-back': 0 };
}
