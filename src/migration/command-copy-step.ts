import { spawn } from 'node:child_process';
import type { CopyJob, CopyStep } from './copy-step.ts';
import { outputTail } from './copy-step.ts';

/** Replaces `{i_customer}`, `{from}`, `{to}` and `{campaign}` in an argument. */
export function expandArg(arg: string, job: CopyJob): string {
  return arg.replaceAll('{i_customer}', String(job.iCustomer)).replaceAll('{from}', job.from).replaceAll('{to}', job.to).replaceAll('{campaign}', job.campaign);
}

/**
 * The operator's own migration tool: runs `command` (no shell) with `args`, placeholders expanded;
 * when no argument names `{i_customer}`, the id is appended. Exit code 0 = copied; any other exit,
 * a signal or the timeout fail the copy with the end of the tool's output as the reason.
 */
export class CommandCopyStep implements CopyStep {
  readonly type = 'command';
  readonly #command: string;
  readonly #args: string[];
  readonly #timeoutMs: number;
  readonly undo: ((job: CopyJob) => Promise<void>) | undefined;

  /** `undoArgs`: the same program with these arguments undoes a copy (verify failed). */
  constructor(command: string, args: string[] = [], timeoutMs = 300_000, undoArgs?: string[]) {
    this.#command = command;
    this.#args = args;
    this.#timeoutMs = timeoutMs;
    this.undo = undoArgs === undefined ? undefined : (job) => this.#run(undoArgs, job);
  }

  copy(job: CopyJob): Promise<void> {
    return this.#run(this.#args, job);
  }

  #run(template: string[], job: CopyJob): Promise<void> {
    const args = template.map((a) => expandArg(a, job));
    if (!template.some((a) => a.includes('{i_customer}'))) args.push(String(job.iCustomer));
    return new Promise((resolve, reject) => {
      let output = '';
      const keep = (chunk: Buffer) => { output = (output + chunk.toString('utf8')).slice(-8192); };
      const child = spawn(this.#command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WD_I_CUSTOMER: String(job.iCustomer), WD_FROM: job.from, WD_TO: job.to, WD_CAMPAIGN: job.campaign } });
      let timedOut = false;
      const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, this.#timeoutMs);
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.once('error', (err) => { clearTimeout(timer); reject(new Error(`cannot run ${this.#command}: ${err.message}`)); });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0 && !timedOut) return resolve();
        const why = timedOut ? `timed out after ${this.#timeoutMs} ms` : signal !== null ? `killed by ${signal}` : `exit code ${String(code)}`;
        const tail = outputTail(output);
        reject(new Error(`${this.#command} ${why}${tail === '' ? '' : `: ${tail}`}`));
      });
    });
  }
}
