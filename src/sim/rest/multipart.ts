/**
 * Text fields of a `multipart/form-data` body (files are not used by the API calls simulated
 * here). Undefined when the body is not valid multipart for this boundary.
 */
export function parseMultipartFields(body: Buffer, contentType: string): Map<string, string> | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2]?.trim();
  if (!boundary) return undefined;
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const parts = text.split(delimiter);
  if (parts.length < 2) return undefined;
  const fields = new Map<string, string>();
  for (const rawPart of parts.slice(1)) {
    if (rawPart.startsWith('--')) break;
    const part = rawPart.replace(/^\r?\n/, '');
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    let content = part.slice(split + 4);
    if (content.endsWith('\r\n')) content = content.slice(0, -2);
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(head)?.[1];
    if (name !== undefined) fields.set(name, Buffer.from(content, 'latin1').toString('utf8'));
  }
  return fields;
}
