import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { AfterHook } from './sim.ts';

export interface DispatcherProcess {
  child: ChildProcess;
  urls: Record<string, string>;
  stderr(): string;
}

/** Runs `webdispatcher start --config FILE` in its own process and waits for its ready line. */
export async function startDispatcherProcess(t: AfterHook, configPath: string): Promise<DispatcherProcess> {
  const bin = new URL('../../bin/webdispatcher.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, 'start', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1' } });
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const lines = createInterface({ input: child.stdout! });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const [line] = (await Promise.race([
    once(lines, 'line'),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no ready line: ${stderr}`)), 30_000); }),
  ])) as [string];
  clearTimeout(timer);
  const ready = JSON.parse(line) as { dispatcher: Record<string, string> };
  return { child, urls: ready.dispatcher, stderr: () => stderr };
}

/** SIGKILLs the process and waits for it to be gone. */
export async function killHard(p: DispatcherProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const gone = once(p.child, 'exit');
  p.child.kill('SIGKILL');
  await gone;
}
