import type { SystemName } from '../core/api-call.ts';

/** Which customer to copy, and which way. */
export interface CopyJob {
  campaign: string;
  iCustomer: number;
  from: SystemName;
  to: SystemName;
}

/**
 * A pluggable copy of one customer's data between the systems (issue 12): `sim`, `command`,
 * `http`. `copy` resolves when the data is on `to`, or rejects with an Error whose message is the
 * reason kept for the operator (exit code, HTTP status, the tool's output).
 */
export interface CopyStep {
  readonly type: string;
  copy(job: CopyJob): Promise<void>;
  /**
   * Undoes a copy that succeeded but whose customer is aborted (verify failed): the data on `from`
   * is the customer's again. Absent: the operator's tool owns what it left on `to`.
   */
  readonly undo?: ((job: CopyJob) => Promise<void>) | undefined;
}

/** The last `max` characters of a program's or server's output, for a failure reason. */
export function outputTail(text: string, max = 600): string {
  const t = text.trim();
  return t.length <= max ? t : `…${t.slice(-max)}`;
}
