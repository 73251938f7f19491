import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { DispatcherFaultCode } from '../core/faults.ts';

/**
 * The first transfer coding other than `chunked` that a request's `Transfer-Encoding` names
 * (node:http joins repeated headers with ", "), or undefined when there is none. Codings are
 * case-insensitive tokens; parameters after `;` are ignored.
 */
export function unsupportedTransferCoding(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  for (const part of value.split(',')) {
    const coding = (part.split(';')[0] ?? '').trim().toLowerCase();
    if (coding !== '' && coding !== 'chunked') return coding;
  }
  return undefined;
}

function notImplementedBody(coding: string): string {
  return JSON.stringify({ faultcode: DispatcherFaultCode.notImplemented, faultstring: `Transfer-Encoding "${coding.slice(0, 40)}" is not supported: send the body as is (Content-Length) or chunked` });
}

/**
 * The raw reply to a request node:http's parser refused (its `clientError`): RFC 9112 §6.1 says
 * a transfer coding the server does not understand is a 501, so llhttp's
 * HPE_INVALID_TRANSFER_ENCODING (e.g. `Transfer-Encoding: gzip`) gets 501; anything else 400.
 */
export function parserErrorReply(code: string | undefined): string {
  if (code === 'HPE_INVALID_TRANSFER_ENCODING') {
    const body = notImplementedBody('not chunked');
    return `HTTP/1.1 501 Not Implemented\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  }
  return 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
}

/** A node:http `clientError` listener that answers with {@link parserErrorReply}. */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (socket.writable) socket.end(parserErrorReply(err.code));
  else socket.destroy();
}

/**
 * Wraps a request listener: a request that llhttp let through with a coding besides `chunked`
 * (`Transfer-Encoding: gzip, chunked`) would reach the backends with a body nobody decoded, so it
 * is refused with 501 and the connection closed (its body is left unread).
 */
export function refuseUnsupportedTransferCodings<R extends IncomingMessage, S extends ServerResponse>(listener: (req: R, res: S) => void): (req: R, res: S) => void {
  return (req, res) => {
    const header = req.headers['transfer-encoding'];
    const coding = unsupportedTransferCoding(header);
    if (coding === undefined) return listener(req, res);
    const body = notImplementedBody(coding);
    res.shouldKeepAlive = false;
    res.writeHead(501, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  };
}
