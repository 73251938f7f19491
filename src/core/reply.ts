import type { Readable } from 'node:stream';
import type { SystemName } from './api-call.ts';

/**
 * A body as pieces sent in order with one gather write: a merged list spliced from the backends'
 * replies without copying them into one buffer.
 */
export type BodyPieces = readonly Buffer[];

export function isBodyPieces(body: string | Buffer | BodyPieces | Readable): body is BodyPieces {
  return Array.isArray(body);
}

/** A reply ready for the edge codec: JSON text, or a backend body passed through unchanged (whole, or streamed). */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer | BodyPieces | Readable;
  /** For the call log. */
  plan: string;
  systems: SystemName[];
}

export function jsonReply(value: unknown, plan: string, systems: SystemName[] = [], extraHeaders: Record<string, string> = {}): Reply {
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', ...extraHeaders }, body: JSON.stringify(value), plan, systems };
}

/** Header telling the client that one system is missing from its session or from a merged answer. */
export const MISSING_SYSTEM_HEADER = 'x-webdispatcher-missing-system';
