import type { SystemName } from '../core/api-call.ts';
import type { CopyJob, CopyStep } from './copy-step.ts';
import { outputTail } from './copy-step.ts';

async function post(url: string, body: unknown, timeoutMs: number): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, text: await res.text() };
}

/**
 * The simulators' transfer (`POST /sim/transfer` on the sender's admin listener), the stand-in for
 * the operator's migration tool in the demo and tests. The sender marks the customer moved as it
 * sends, so no write lands there after the copy; `undo` clears that mark and marks the receiver's
 * copy as moved away (`POST /sim/mark`).
 */
export class SimCopyStep implements CopyStep {
  readonly type = 'sim';
  readonly #admin: Record<SystemName, string>;
  readonly #timeoutMs: number;

  constructor(adminUrls: Record<SystemName, string>, timeoutMs = 30_000) {
    this.#admin = adminUrls;
    this.#timeoutMs = timeoutMs;
  }

  async copy(job: CopyJob): Promise<void> {
    let r;
    try {
      r = await post(`${this.#admin[job.from]}/sim/transfer`, { i_customer: job.iCustomer, target: this.#admin[job.to] }, this.#timeoutMs);
    } catch (err) {
      throw new Error(`sim transfer from ${job.from} failed: ${(err as Error).message}`, { cause: err });
    }
    if (r.status !== 200) throw new Error(`sim transfer from ${job.from} refused (HTTP ${r.status}): ${outputTail(r.text)}`);
  }

  readonly undo = async (job: CopyJob): Promise<void> => {
    const back = await post(`${this.#admin[job.from]}/sim/mark`, { i_customer: job.iCustomer, moved: false }, this.#timeoutMs);
    if (back.status !== 200) throw new Error(`sim mark on ${job.from} refused (HTTP ${back.status}): ${outputTail(back.text)}`);
    const away = await post(`${this.#admin[job.to]}/sim/mark`, { i_customer: job.iCustomer, moved: true, moved_to: new URL(this.#admin[job.from]).origin }, this.#timeoutMs);
    if (away.status !== 200) throw new Error(`sim mark on ${job.to} refused (HTTP ${away.status}): ${outputTail(away.text)}`);
  };
}
