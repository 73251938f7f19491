/**
 * Child processes that announce themselves with one ready JSON line on stdout (the simulator,
 * the dispatcher, the naive proxy). The harness waits for that line, bounded in time, and stops
 * the process with SIGTERM (then SIGKILL) when done.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** A started child with its parsed ready line. */
export interface ReadyProcess<T> {
  ready: T;
  pid: number;
  command: string;
  /** Everything the child wrote to stderr (bounded to the last 64 KiB). */
  stderr(): string;
  close(): Promise<void>;
}

/** Spawns `command args…` and resolves with the first stdout line that is JSON with `ready: true`. */
export async function startReadyProcess<T>(command: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ReadyProcess<T>> {
  const child = spawn(command, [...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-65_536); });
  const shown = [command === process.execPath ? 'node' : command, ...args].join(' ');
  const ready = await new Promise<T>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${shown}: no ready line within ${opts.timeoutMs ?? 30_000} ms; stderr: ${err.slice(-1000)}`)); }, opts.timeoutMs ?? 30_000);
    const onData = (d: Buffer): void => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        try {
          const parsed = JSON.parse(line) as { ready?: unknown };
          if (parsed.ready === true) {
            clearTimeout(timer);
            child.stdout.off('data', onData);
            // Keep draining stdout so a chatty child never blocks on a full pipe.
            child.stdout.resume();
            resolve(parsed as T);
            return;
          }
        } catch { /* not our line */ }
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`${shown} exited (${String(code ?? signal)}) before ready; stderr: ${err.slice(-1500)}`)); });
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
  return {
    ready,
    pid: child.pid ?? 0,
    command: shown,
    stderr: () => err,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    },
  };
}
