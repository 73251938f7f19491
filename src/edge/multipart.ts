import { dispatcherFault } from '../core/faults.ts';

/**
 * Reads the text fields of a multipart/form-data body (PortaBilling clients send only `auth_info`
 * and `params`). File parts are ignored. Bounded by the body limit applied before this.
 */
export function parseMultipartFields(body: Buffer, contentType: string): Map<string, string> {
  const m = /boundary=(?:"([^"]{1,200})"|([^;\s]{1,200}))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (boundary === undefined) throw dispatcherFault('badRequest', 'multipart/form-data body without a boundary parameter');
  const delimiter = Buffer.from(`--${boundary}`);
  const fields = new Map<string, string>();
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw dispatcherFault('badRequest', `multipart/form-data body does not contain its boundary "${boundary}"`);
  for (let parts = 0; parts < 64; parts++) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return fields; // closing "--"
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
    const name = /content-disposition:[^\r\n]*?\bname="([^"]*)"/i.exec(headers)?.[1];
    const isFile = /content-disposition:[^\r\n]*?\bfilename=/i.test(headers);
    if (name !== undefined && !isFile) fields.set(name, body.subarray(headerEnd + 4, end).toString('utf8'));
    pos = next;
  }
  throw dispatcherFault('badRequest', 'multipart/form-data body is truncated or malformed');
}
