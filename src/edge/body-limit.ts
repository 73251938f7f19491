import type { IncomingMessage } from 'node:http';
import { dispatcherFault } from '../core/faults.ts';

/**
 * Reads a request body up to `limit` bytes. A larger body (announced or streamed) is refused
 * before it is buffered; the rest of it is drained so the connection stays usable.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const announced = Number(req.headers['content-length'] ?? 0);
  if (announced > limit) {
    req.resume();
    return Promise.reject(dispatcherFault('bodyTooLarge', `The request body (${announced} bytes) exceeds the limit of ${limit} bytes`, { httpStatus: 413 }));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(dispatcherFault('bodyTooLarge', `The request body exceeds the limit of ${limit} bytes`, { httpStatus: 413 }));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(dispatcherFault('badRequest', `The request body could not be read: ${err.message}`));
      }
    });
  });
}
