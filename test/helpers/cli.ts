import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AfterHook } from './sim.ts';

export const BIN = new URL('../../bin/webdispatcher.js', import.meta.url).pathname;

export interface CliResult { code: number; stdout: string; stderr: string }

/**
 * An environment for CLI runs with its own, empty XDG state folder (no demo of the user's, nor
 * of another test, is seen) and nothing of the operator API in the environment.
 */
export function cliEnv(t: AfterHook, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const state = mkdtempSync(join(tmpdir(), 'wd-cli-state-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1', XDG_STATE_HOME: state };
  delete env.WEBDISPATCHER_OPS_URL;
  delete env.WEBDISPATCHER_OPS_TOKEN;
  delete env.WEBDISPATCHER_DEBUG;
  return { ...env, ...extra };
}

/** Runs `webdispatcher ARGS` to its end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeout = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface DemoProcess {
  child: ChildProcess;
  ready: { pid: number; dispatcher: Record<string, string>; ops: { url: string; token: string; port: number }; source: { urls: Record<string, string> }; target: { urls: Record<string, string> }; state: string };
  stop(): Promise<number | null>;
  /** What the demo (and npm, when it runs under npm) printed on stderr so far. */
  stderr(): string;
}

/** Starts `webdispatcher demo` (or `npm start` with `npm: true`) and waits for its ready line. */
export async function startDemo(t: AfterHook, env: NodeJS.ProcessEnv, options: { npm?: boolean; args?: string[] } = {}): Promise<DemoProcess> {
  const root = new URL('../..', import.meta.url).pathname;
  const child = options.npm === true
    ? spawn('npm', ['start', '--silent', '--', '--customers', '5'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [BIN, 'demo', '--customers', '5', ...(options.args ?? [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const demo: { pid?: number } = {};
  t.after(async () => {
    if (demo.pid !== undefined) { try { process.kill(demo.pid, 'SIGKILL'); } catch { /* gone */ } }
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout! }), 'line'),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no ready line from the demo: ${stderr}`)), 60_000); }),
  ])) as [string];
  clearTimeout(timer);
  const ready = JSON.parse(line) as DemoProcess['ready'];
  demo.pid = ready.pid;
  return {
    child, ready,
    stderr: () => stderr,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      return ((await exited) as [number | null])[0];
    },
  };
}

/**
 * An ended process whose parent has not reaped it yet: kill(pid, 0) still finds it. An orphan
 * waits for PID 1 to reap it, which a container's PID 1 may never do.
 */
function zombie(pid: number): boolean {
  try { return /^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

/** Whether a process is still there (bounded wait for it to go: `waitMs`). */
export async function goneWithin(pid: number, waitMs: number): Promise<boolean> {
  for (let waited = 0; waited <= waitMs; waited += 100) {
    try { process.kill(pid, 0); } catch { return true; }
    if (zombie(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
