/**
 * CPU time used by a process and all its descendants (Linux /proc): the contender's own cost per
 * request, which — unlike throughput — does not depend on what else the shared cores are doing.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Stat { pid: number; ppid: number; ticks: number }

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { pid, ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) of `pid` and every live descendant. */
export function treeCpuSeconds(pid: number): number {
  const all: Stat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s !== undefined) all.push(s);
  }
  const children = new Map<number, number[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid]);
  const byPid = new Map(all.map((s) => [s.pid, s]));
  let ticks = 0;
  const stack = [pid];
  for (let guard = 0; stack.length > 0 && guard < 10_000; guard++) {
    const p = stack.pop()!;
    ticks += byPid.get(p)?.ticks ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return ticks / TICKS_PER_SECOND;
}
