/**
 * HTTP field-value characters (RFC 9110 §5.5): visible characters, spaces, tabs and obs-text; no
 * other control characters — CR, LF and NUL included, which would split or end a head line.
 * Checks `text[from, to)`; the inbound head parser and the backend pool both hold values to it.
 */
export function isFieldValue(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return false;
  }
  return true;
}
