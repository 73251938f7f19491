import { randomUUID } from 'node:crypto';

/** What a client's X-Request-Id may look like to be kept end to end (logs, backends, reply). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's X-Request-Id when it is sane, else a fresh one: one rule for every front. */
export function requestIdOf(headers: Record<string, string | string[] | undefined>): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}
