/** One file part of a multipart/form-data body. */
export interface MultipartFile {
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** The parts of a multipart/form-data body: text fields by name, and file parts (with a filename). */
export interface MultipartBody {
  fields: Map<string, string>;
  files: MultipartFile[];
}

/**
 * Parses a `multipart/form-data` body byte-exactly (parts are cut on the boundary as bytes, so a
 * binary file survives). Undefined when the body is not valid multipart for this boundary.
 */
export function parseMultipart(body: Buffer, contentType: string): MultipartBody | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2]?.trim();
  if (!boundary) return undefined;
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const parts = text.split(delimiter);
  if (parts.length < 2) return undefined;
  const fields = new Map<string, string>();
  const files: MultipartFile[] = [];
  for (const rawPart of parts.slice(1)) {
    if (rawPart.startsWith('--')) break;
    const part = rawPart.replace(/^\r?\n/, '');
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    let content = part.slice(split + 4);
    if (content.endsWith('\r\n')) content = content.slice(0, -2);
    const disposition = /content-disposition:([^\r\n]*)/i.exec(head)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) continue;
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    // params/auth_info are the call itself even when a client sends them as file parts.
    if (filename === undefined || name === 'params' || name === 'auth_info') fields.set(name, Buffer.from(content, 'latin1').toString('utf8'));
    else {
      const type = /content-type:\s*([^\r\n]*)/i.exec(head)?.[1]?.trim() ?? 'application/octet-stream';
      files.push({ field: name, filename: Buffer.from(filename, 'latin1').toString('utf8'), contentType: type, bytes: Buffer.from(content, 'latin1') });
    }
  }
  return { fields, files };
}

/** Text fields of a `multipart/form-data` body (see parseMultipart). */
export function parseMultipartFields(body: Buffer, contentType: string): Map<string, string> | undefined {
  return parseMultipart(body, contentType)?.fields;
}
