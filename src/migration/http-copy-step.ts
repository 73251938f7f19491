import type { CopyJob, CopyStep } from './copy-step.ts';
import { outputTail } from './copy-step.ts';

/**
 * A POST of `{"campaign","i_customer","from","to"}` (JSON) to the operator's migration service;
 * a 2xx answer = copied. Any other status, a network error or the timeout fail the copy with the
 * status and the start of the answer as the reason.
 */
export class HttpCopyStep implements CopyStep {
  readonly type = 'http';
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly undo: ((job: CopyJob) => Promise<void>) | undefined;

  /** `undoUrl`: the same POST there undoes a copy (verify failed). */
  constructor(url: string, headers: Record<string, string> = {}, timeoutMs = 300_000, undoUrl?: string) {
    this.#url = url;
    this.#headers = headers;
    this.#timeoutMs = timeoutMs;
    this.undo = undoUrl === undefined ? undefined : (job) => this.#post(undoUrl, job);
  }

  copy(job: CopyJob): Promise<void> {
    return this.#post(this.#url, job);
  }

  async #post(url: string, job: CopyJob): Promise<void> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST', headers: { ...this.#headers, 'content-type': 'application/json' },
        body: JSON.stringify({ campaign: job.campaign, i_customer: job.iCustomer, from: job.from, to: job.to }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      const why = e.name === 'TimeoutError' ? `timed out after ${this.#timeoutMs} ms` : e.message;
      throw new Error(`POST ${url} failed: ${why}`, { cause: err });
    }
    const text = await res.text().catch(() => '');
    if (res.status < 200 || res.status > 299) throw new Error(`POST ${url} answered HTTP ${res.status}${text === '' ? '' : `: ${outputTail(text, 300)}`}`);
  }
}
