import { Readable } from 'node:stream';
import { generatedFile } from '../rest/sim-download.ts';
import type { SimHttpResponse } from '../http/sim-http.ts';

/**
 * A SOAP reply with a file (an invoice PDF, a recording) as PortaBilling's SOAP::Lite sends it:
 * SOAP with Attachments (MIME `multipart/related`), the envelope as the root part and the file
 * as the next, raw binary. The boundary and ids follow from the method and record, so the same
 * call gets the same bytes; the file is produced as the socket takes it.
 */
export function soapWithAttachment(envelope: string, file: { method: string; id: number; contentType: string; size: number }): SimHttpResponse {
  const boundary = `----=_Part_${file.method}_${file.id}`;
  const cid = `${file.method}-${file.id}@webdispatcher-sim`;
  const extension = file.contentType === 'application/pdf' ? 'pdf' : 'wav';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nContent-ID: <root@webdispatcher-sim>\r\n\r\n${envelope}\r\n`
    + `--${boundary}\r\nContent-Type: ${file.contentType}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <${cid}>\r\n`
    + `Content-Disposition: attachment; filename="${file.method}-${file.id}.${extension}"\r\n\r\n`,
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'ascii');
  return {
    status: 200,
    headers: {
      'content-type': `multipart/related; type="text/xml"; start="<root@webdispatcher-sim>"; boundary="${boundary}"`,
      'content-length': String(head.length + file.size + tail.length),
    },
    body: Readable.from((async function* parts() {
      yield head;
      yield* generatedFile(file.contentType, file.size, file.id);
      yield tail;
    })(), { objectMode: false }),
  };
}
