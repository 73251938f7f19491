import { Readable } from 'node:stream';
import type { JsonObject } from '../../core/api-call.ts';
import type { SimDescription } from '../description/description.ts';

const CHUNK = 64 * 1024;

/** The first bytes of a file of that type, so clients that sniff it see a PDF or a WAV. */
function head(contentType: string, size: number): Buffer {
  if (contentType === 'application/pdf') return Buffer.from('%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n', 'latin1');
  if (contentType.startsWith('audio/')) {
    const h = Buffer.alloc(44);
    h.write('RIFF', 0, 'ascii');
    h.writeUInt32LE(Math.max(0, size - 8), 4);
    h.write('WAVEfmt ', 8, 'ascii');
    h.writeUInt32LE(16, 16);
    h.writeUInt16LE(1, 20); // PCM
    h.writeUInt16LE(1, 22); // mono
    h.writeUInt32LE(8000, 24);
    h.writeUInt32LE(16000, 28);
    h.writeUInt16LE(2, 32);
    h.writeUInt16LE(16, 34);
    h.write('data', 36, 'ascii');
    h.writeUInt32LE(Math.max(0, size - 44), 40);
    return h;
  }
  return Buffer.alloc(0);
}

/** Byte `i` of the body after the head: deterministic in the seed, so two calls send the same file. */
function fill(buf: Buffer, from: number, seed: number): void {
  for (let i = 0; i < buf.length; i++) buf[i] = ((from + i) * 31 + seed * 17) & 0xff;
}

/**
 * A generated file of exactly `size` bytes, produced chunk by chunk as the socket takes it (a
 * 50 MiB invoice is never held in memory): the type's header, then deterministic filler.
 */
export function generatedFile(contentType: string, size: number, seed: number): Readable {
  const start = head(contentType, size).subarray(0, size);
  return Readable.from((function* chunks() {
    if (start.length > 0) yield start;
    for (let at = start.length; at < size; at += CHUNK) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - at));
      fill(buf, at, seed);
      yield buf;
    }
  })(), { objectMode: false });
}

/**
 * The file a call asks for, if any: its method is described as binary (always, or when its
 * request flag is set), and the record is the first numeric param (for the file's seed and name).
 */
export function requestedDownload(d: SimDescription, service: string, method: string, params: JsonObject): { contentType: string; id: number } | undefined {
  const binary = d.services.get(service)?.methods[method]?.binary;
  if (binary === undefined) return undefined;
  const flag = binary.when === undefined ? 1 : params[binary.when];
  if (flag === undefined || flag === 0 || flag === '0' || flag === false) return undefined;
  const id = Object.values(params).find((v) => typeof v === 'number') ?? 0;
  return { contentType: binary.contentType, id: Number(id) };
}
