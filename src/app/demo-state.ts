import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where a running demo tells the CLI (migrate, locate) its addresses, so they work without flags. */
export const DEMO_STATE_FILE = join(tmpdir(), 'webdispatcher-demo.json');

export interface DemoState {
  opsUrl: string;
  opsToken: string;
  sourceAdmin: string;
  targetAdmin: string;
}

export function writeDemoState(state: DemoState): void {
  writeFileSync(DEMO_STATE_FILE, JSON.stringify(state), { mode: 0o600 });
}

export function readDemoState(): DemoState | undefined {
  try {
    return JSON.parse(readFileSync(DEMO_STATE_FILE, 'utf8')) as DemoState;
  } catch {
    return undefined;
  }
}

export function removeDemoState(): void {
  rmSync(DEMO_STATE_FILE, { force: true });
}
