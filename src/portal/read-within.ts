import type { Readable } from 'node:stream';

/** What `readWithin` got: the whole body, or its first `chunks` and the iterator of the rest. */
export type BoundedBody =
  | { whole: true; chunks: Buffer[]; size: number }
  | { whole: false; chunks: Buffer[]; rest: AsyncIterableIterator<unknown> };

/**
 * Reads a backend reply's body whole if it is at most `limit` bytes, within one deadline of
 * `deadlineMs` (undici's bodyTimeout only bounds silence, so a body dripped a byte at a time would
 * otherwise hold the call). A larger body stops being read past the limit: `chunks` holds what was
 * read and `rest` yields the remainder, no longer under the deadline. A body that breaks off or
 * misses the deadline is destroyed and the error thrown, before the client got a byte.
 */
export async function readWithin(body: Readable, limit: number, deadlineMs: number, what: string): Promise<BoundedBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  const it = body[Symbol.asyncIterator]();
  const timer = setTimeout(() => body.destroy(new Error(`the ${what} did not arrive within ${deadlineMs} ms`)), deadlineMs);
  try {
    for (let next = await it.next(); !next.done; next = await it.next()) {
      const chunk = next.value as Buffer;
      chunks.push(chunk);
      if (size > limit) return { whole: false, chunks, rest: it };
      size += chunk.length;
    }
    return { whole: true, chunks, size };
  } catch (err) {
    body.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
