/** PortaBilling's datetime format: `YYYY-MM-DD HH:MM:SS` in UTC. */
export function formatPortaTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Parses `YYYY-MM-DD[ HH:MM:SS]` (or ISO) as UTC; undefined when it is not a date. */
export function parsePortaTime(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?(?:\.\d+)?Z?$/.exec(value.trim());
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  return Number.isNaN(ms) ? undefined : ms;
}
