import type { Socket } from 'node:net';

/**
 * How a system answers every API, portal and CPE request (control routes `/sim/*` are exempt),
 * written straight on the socket so a dispatcher can be tested against broken backends:
 * `reset_head` resets the connection before any byte of a reply; `reset_body` sends a head and
 * part of the body, then resets; `stall_head` never answers; `stall_body` sends a head and part of
 * the body, then goes silent; `trickle` sends the whole reply, head first, one byte per second; `trickle_body` sends the head at once, then the body one byte per second;
 * `html_5xx` answers 502 with an HTML page (a broken proxy in front of the system); `truncated_chunked`
 * ends the connection in the middle of a chunked body; `garbage` answers bytes that are not HTTP;
 * `oversize_head` answers a reply head of 80 KiB (over any client's head limit).
 */
export const REPLY_FAULTS = ['none', 'reset_head', 'reset_body', 'stall_head', 'stall_body', 'trickle', 'trickle_body', 'html_5xx', 'truncated_chunked', 'garbage', 'oversize_head'] as const;
export type ReplyFault = (typeof REPLY_FAULTS)[number];

/** What a broken reply starts to carry: a JSON API reply, or a web page (portal, CPE files). */
export type ReplyFlavour = 'json' | 'html';
const BODIES: Record<ReplyFlavour, { type: string; text: string }> = {
  json: { type: 'application/json; charset=utf-8', text: '{"customer_info":{"i_customer":1,"name":"fault injection","notes":"' + 'x'.repeat(200) + '"}}' },
  html: { type: 'text/html; charset=utf-8', text: '<!DOCTYPE html>\n<html><head><title>Self-care</title></head><body><p>' + 'x'.repeat(200) + '</p></body></html>\n' },
};
/** Sockets held open by a stall, so closing the simulator (or the peer) ends them. */
const HOLD_MS = 600_000;

function head(status: string, headers: Record<string, string>): string {
  return `HTTP/1.1 ${status}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

function reset(socket: Socket): void {
  if (socket.destroyed) return;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

/** Keeps a stalled socket until the peer goes or the hold ends (then it is reset). */
function hold(socket: Socket): void {
  const timer = setTimeout(() => reset(socket), HOLD_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** Answers one request with `kind` on its socket (the caller no longer uses the response). */
export function writeReplyFault(kind: Exclude<ReplyFault, 'none'>, socket: Socket, flavour: ReplyFlavour = 'json'): void {
  socket.on('error', () => undefined);
  const { type, text: BODY } = BODIES[flavour];
  const json = { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(BODY)) };
  switch (kind) {
    case 'reset_head':
      reset(socket);
      return;
    case 'reset_body':
      socket.write(head('200 OK', json) + BODY.slice(0, 40), () => setTimeout(() => reset(socket), 20));
      return;
    case 'stall_head':
      hold(socket);
      return;
    case 'stall_body':
      socket.write(head('200 OK', json) + BODY.slice(0, 40));
      hold(socket);
      return;
    case 'trickle':
    case 'trickle_body': {
      if (kind === 'trickle_body') socket.write(head('200 OK', json));
      const whole = kind === 'trickle' ? head('200 OK', json) + BODY : BODY;
      socket.write(whole.charAt(0));
      let i = 1;
      const timer = setInterval(() => {
        if (socket.destroyed || i >= whole.length) {
          clearInterval(timer);
          return;
        }
        socket.write(whole.charAt(i++));
      }, 1000);
      timer.unref();
      socket.once('close', () => clearInterval(timer));
      return;
    }
    case 'html_5xx': {
      const page = '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n';
      socket.end(head('502 Bad Gateway', { 'Content-Type': 'text/html', 'Content-Length': String(Buffer.byteLength(page)), Connection: 'close' }) + page);
      return;
    }
    case 'truncated_chunked':
      socket.end(head('200 OK', { 'Content-Type': type, 'Transfer-Encoding': 'chunked' }) + `28\r\n${BODY.slice(0, 40)}\r\n1f\r\n${BODY.slice(40, 50)}`);
      return;
    case 'garbage':
      socket.end(Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.6\r\n\x00\xff\xfe garbage, not HTTP \x1b[0m\r\n\r\n', 'latin1'), Buffer.alloc(64, 0xa5)]));
      return;
    case 'oversize_head':
      socket.end(head('200 OK', { ...json, 'X-Filler': 'a'.repeat(80 * 1024) }) + BODY);
      return;
  }
}
