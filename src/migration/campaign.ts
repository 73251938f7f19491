import type { SystemName } from '../core/api-call.ts';

/** A campaign as a whole (issue 12): `running` and `paused` may alternate; the others end a phase. */
export type CampaignState = 'created' | 'running' | 'paused' | 'aborted' | 'done' | 'rolled-back';

/** Forward moves the selected customers `from` → `to`; rollback moves the committed ones back. */
export type CampaignPhase = 'forward' | 'rollback';

/** One customer's place in a campaign. */
export type CustomerStep = 'pending' | 'prechecked' | 'holding' | 'copied' | 'verified' | 'committed' | 'failed' | 'rolled-back';

export const CUSTOMER_STEPS: readonly CustomerStep[] = ['pending', 'prechecked', 'holding', 'copied', 'verified', 'committed', 'failed', 'rolled-back'];

/** Steps whose customer is somewhere between precheck and commit (a crash leaves them to recover). */
export const IN_FLIGHT_STEPS: readonly CustomerStep[] = ['prechecked', 'holding', 'copied', 'verified'];

/** How a customer's data is copied between the systems. */
export type CopySpec =
  | { type: 'sim'; timeoutMs?: number }
  | { type: 'command'; command: string; args?: string[]; undoArgs?: string[]; timeoutMs?: number }
  | { type: 'http'; url: string; undoUrl?: string; headers?: Record<string, string>; timeoutMs?: number };

/** Pause the campaign when more than `maxFailures` of the last `last` finished customers failed. */
export interface FailureBudget {
  last: number;
  maxFailures: number;
}

/** Local time of day (HH:MM) during which new customers may start; `end` before `start` spans midnight. */
export interface TimeWindow {
  start: string;
  end: string;
}

/** What an operator asked for (validated). */
export interface CampaignSpec {
  name: string;
  from: SystemName;
  to: SystemName;
  batchSize: number;
  concurrency: number;
  ratePerMinute?: number;
  window?: TimeWindow;
  failureBudget?: FailureBudget;
  copy: CopySpec;
}

/** A campaign as stored. Times are epoch milliseconds. */
export interface CampaignRecord {
  spec: CampaignSpec;
  state: CampaignState;
  phase: CampaignPhase;
  /** Why the campaign paused, aborted or stopped (null when running normally). */
  reason: string | null;
  createdAt: number;
  updatedAt: number;
  leaseOwner: string | null;
  leaseUntil: number;
}

/** One customer of a campaign. `direction` says which way its current (or last) move went. */
export interface CustomerEntry {
  iCustomer: number;
  state: CustomerStep;
  direction: 'forward' | 'back';
  /** The step that failed, and why (failed customers; kept for a failed rollback too). */
  failedStep: string | null;
  reason: string | null;
  /** JSON of the source snapshot read at begin, for verify (also after a crash). */
  snapshot: string | null;
  updatedAt: number;
  /** When the customer reached committed / failed / rolled-back (null before). */
  finishedAt: number | null;
}

/** A change to one customer's entry; omitted fields keep their value. */
export interface EntryPatch {
  state: CustomerStep;
  direction?: 'forward' | 'back';
  failedStep?: string | null;
  reason?: string | null;
  snapshot?: string | null;
}

/** Steps that end a customer's move (it gets a finishedAt). */
export const FINISHED_STEPS: readonly CustomerStep[] = ['committed', 'failed', 'rolled-back'];
