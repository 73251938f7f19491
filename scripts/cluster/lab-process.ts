import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A process the harness started inside one of its namespaces, with its output kept for errors. */
export class LabProcess {
  readonly name: string;
  readonly child: ChildProcess;
  #out = '';
  #lineWaiters: Array<{ test: (line: string) => boolean; resolve: (line: string) => void }> = [];
  #partial = '';

  private constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.child = child;
    const take = (d: Buffer) => {
      const text = d.toString();
      // Bounded: a chatty process must not grow the harness without limit.
      this.#out = (this.#out + text).slice(-64 * 1024);
      this.#partial += text;
      const lines = this.#partial.split('\n');
      this.#partial = lines.pop() ?? '';
      for (const line of lines) {
        for (const w of [...this.#lineWaiters]) {
          if (w.test(line)) {
            this.#lineWaiters.splice(this.#lineWaiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
  }

  /** `ip netns exec <ns> <command…>`: ip execs the command, so the child's pid is the command's. */
  static start(name: string, ns: string, command: string, args: string[], env: Record<string, string> = {}): LabProcess {
    const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    child.on('error', () => undefined);
    return new LabProcess(name, child);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.#out;
  }

  /** The first output line matching `test`, or a rejection naming the process and its output. */
  async waitForLine(test: (line: string) => boolean, timeoutMs: number): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    let onExit: (() => void) | undefined;
    try {
      return await new Promise<string>((resolve, reject) => {
        this.#lineWaiters.push({ test, resolve });
        timer = setTimeout(() => reject(new Error(`${this.name}: not ready after ${timeoutMs} ms; output:\n${this.#out.slice(-4000)}`)), timeoutMs);
        onExit = () => reject(new Error(`${this.name} exited (${String(this.child.exitCode ?? this.child.signalCode)}) before it was ready; output:\n${this.#out.slice(-4000)}`));
        if (!this.running) onExit();
        else this.child.once('exit', onExit);
      });
    } finally {
      clearTimeout(timer);
      if (onExit !== undefined) this.child.removeListener('exit', onExit);
    }
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`); the exit code or signal. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.running) return { code: this.child.exitCode, signal: this.child.signalCode };
    const exited = once(this.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const [code, sig] = await exited;
    clearTimeout(timer);
    return { code, signal: sig };
  }
}
