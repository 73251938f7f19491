import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * Where each running demo tells the CLI (migrate, locate, campaign, …) its addresses: one file per
 * demo, named by its ops port, in the user's state folder. Per user and per demo, so a second
 * demo, or another user's, can neither overwrite nor delete the first one's.
 */
export interface DemoState {
  pid: number;
  opsPort: number;
  opsUrl: string;
  opsToken: string;
  sourceAdmin: string;
  targetAdmin: string;
  startedAt: string;
}

/** `$XDG_STATE_HOME/webdispatcher/demos`, else `~/.local/state/webdispatcher/demos` (XDG base directories). */
export function demoStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  // The spec says a relative XDG path is invalid and must be ignored.
  const base = xdg !== undefined && xdg !== '' && isAbsolute(xdg) ? xdg : join(env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir(), '.local', 'state');
  return join(base, 'webdispatcher', 'demos');
}

export function demoStateFile(opsPort: number, env: NodeJS.ProcessEnv = process.env): string {
  return join(demoStateDir(env), `${opsPort}.json`);
}

/** Writes the demo's file (private to the user) and returns its path. */
export function writeDemoState(state: DemoState, env: NodeJS.ProcessEnv = process.env): string {
  mkdirSync(demoStateDir(env), { recursive: true, mode: 0o700 });
  const file = demoStateFile(state.opsPort, env);
  // Written aside and renamed: a CLI reading at the same moment sees the whole file or none.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(state), { mode: 0o600 });
  renameSync(partial, file);
  return file;
}

/** Removes the demo's file, only when it is still this process's (a later demo may reuse the port). */
export function removeDemoState(opsPort: number, env: NodeJS.ProcessEnv = process.env, pid = process.pid): void {
  const file = demoStateFile(opsPort, env);
  const current = readStateFile(file);
  if (current === undefined || current.pid === pid) rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but is not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readStateFile(file: string): DemoState | undefined {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoState>;
    const complete = typeof s.pid === 'number' && typeof s.opsPort === 'number' && typeof s.opsUrl === 'string' && typeof s.opsToken === 'string'
      && typeof s.sourceAdmin === 'string' && typeof s.targetAdmin === 'string';
    return complete ? (s as DemoState) : undefined;
  } catch {
    return undefined;
  }
}

/** The demos whose process is still running, by ops port; files a crashed demo left behind are ignored. */
export function liveDemos(env: NodeJS.ProcessEnv = process.env): DemoState[] {
  let names: string[];
  try {
    names = readdirSync(demoStateDir(env));
  } catch {
    return [];
  }
  const live: DemoState[] = [];
  for (const name of names) {
    if (!/^\d+\.json$/.test(name)) continue;
    const state = readStateFile(join(demoStateDir(env), name));
    if (state !== undefined && isAlive(state.pid)) live.push(state);
  }
  return live.sort((a, b) => a.opsPort - b.opsPort);
}
