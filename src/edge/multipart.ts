import { dispatcherFault } from '../core/faults.ts';

/** One part of a multipart/form-data body, as byte offsets into it. */
interface Part {
  name: string | undefined;
  isFile: boolean;
  /** From the part's delimiter line to the next delimiter (what to cut to drop the part). */
  start: number;
  end: number;
  valueStart: number;
  valueEnd: number;
}

/** The most parts one body may have: the fields plus the files of one upload. */
const MAX_PARTS = 64;

function scan(body: Buffer, contentType: string): Part[] {
  const m = /boundary=(?:"([^"]{1,200})"|([^;\s]{1,200}))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (boundary === undefined) throw dispatcherFault('badRequest', 'multipart/form-data body without a boundary parameter');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw dispatcherFault('badRequest', `multipart/form-data body does not contain its boundary "${boundary}"`);
  for (let n = 0; n <= MAX_PARTS; n++) {
    const start = pos;
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts; // closing "--"
    if (n === MAX_PARTS) break;
    if (body[pos] === 0x0d) pos += 2;
    else if (body[pos] === 0x0a) pos += 1;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) break;
    const headers = body.subarray(pos, headerEnd).toString('latin1');
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next < 0) break;
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    parts.push({
      name: /content-disposition:[^\r\n]*?\bname="([^"]*)"/i.exec(headers)?.[1],
      isFile: /content-disposition:[^\r\n]*?\bfilename=/i.test(headers),
      start, end: next, valueStart: headerEnd + 4, valueEnd: end,
    });
    pos = next;
  }
  throw dispatcherFault('badRequest', `multipart/form-data body is truncated, malformed or has more than ${MAX_PARTS} parts`);
}

/** A multipart body as the codec reads it: the text fields, and whether it carries files. */
export interface MultipartBody {
  fields: Map<string, string>;
  /**
   * The body to send to a backend when it carries file parts (an upload of a document or a price
   * list): the client's bytes with the `auth_info` part cut out (the backend gets its own token),
   * files and every other part untouched. Undefined when there are no files.
   */
  forBackend?: Buffer;
}

/** Reads a multipart/form-data body (bounded by the body limit applied before this). */
export function parseMultipart(body: Buffer, contentType: string): MultipartBody {
  const parts = scan(body, contentType);
  const fields = new Map<string, string>();
  for (const p of parts) if (p.name !== undefined && !p.isFile) fields.set(p.name, body.subarray(p.valueStart, p.valueEnd).toString('utf8'));
  if (!parts.some((p) => p.isFile)) return { fields };
  const pieces: Buffer[] = [];
  let at = 0;
  for (const p of parts) {
    if (p.isFile || p.name !== 'auth_info') continue;
    pieces.push(body.subarray(at, p.start));
    at = p.end;
  }
  pieces.push(body.subarray(at));
  return { fields, forBackend: Buffer.concat(pieces) };
}

/** The text fields of a multipart/form-data body. */
export function parseMultipartFields(body: Buffer, contentType: string): Map<string, string> {
  return parseMultipart(body, contentType).fields;
}
