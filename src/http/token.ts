/** RFC 9110 token characters (§5.6.2), by char code. */
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN[c.charCodeAt(0)] = 1;

/**
 * Whether `text[from, to)` is a token (a method, a header name): non-empty, token characters only.
 * The inbound head parser and the backend pool both hold names to it.
 */
export function isToken(text: string, from = 0, to = text.length): boolean {
  if (from === to) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || TOKEN[c] === 0) return false;
  }
  return true;
}
