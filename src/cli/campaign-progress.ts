/** What the progress line shows of a campaign status. */
export interface ProgressView {
  name: string;
  state: string;
  phase: string;
  total: number;
  committed: number;
  failed: number;
  pending: number;
  inFlight: number;
  rolledBack: number;
  ratePerMinute: number;
  eta: number | null;
  reason: string | null;
  waiting: string | null;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

/** Customers done in the current phase (moved forward, or moved back in a rollback). */
function doneOf(v: ProgressView): number {
  return v.phase === 'rollback' ? v.rolledBack + v.failed : v.committed + v.failed + v.rolledBack;
}

/** A one-line bar for a terminal: `wave-1 running [#####.....] 50% 100/200 ✓98 ✗2 …`. */
export function progressBar(v: ProgressView, width = 30): string {
  const done = doneOf(v);
  const frac = v.total === 0 ? 1 : done / v.total;
  const filled = Math.round(frac * width);
  const eta = v.eta === null ? '' : ` ETA ${clock(v.eta)}`;
  const note = v.waiting ?? v.reason;
  return `${v.name} ${v.state}${v.phase === 'rollback' ? ' (rollback)' : ''} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(frac * 100)}% ${done}/${v.total} ok ${v.phase === 'rollback' ? v.rolledBack : v.committed} failed ${v.failed} in flight ${v.inFlight} ${v.ratePerMinute}/min${eta}${note === null ? '' : ` - ${note}`}`;
}

/** A plain line for logs and pipes. */
export function progressLine(v: ProgressView): string {
  return `campaign=${v.name} state=${v.state} phase=${v.phase} total=${v.total} committed=${v.committed} failed=${v.failed} pending=${v.pending} inFlight=${v.inFlight} rolledBack=${v.rolledBack} ratePerMinute=${v.ratePerMinute} eta=${v.eta ?? '-'}${v.reason === null ? '' : ` reason=${JSON.stringify(v.reason)}`}${v.waiting === null ? '' : ` waiting=${JSON.stringify(v.waiting)}`}`;
}
