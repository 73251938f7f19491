/**
 * Writes a merged list reply, `{"<key>":[row,row,…],"total":N}`, from the rows' own bytes: a row
 * scanned from a backend's reply is sent as the backend sent it (runs of rows that were adjacent
 * in that reply as one piece); a row only available as an object is JSON.stringify'd. With
 * objects only, the bytes are exactly JSON.stringify({[key]: rows, total}).
 */

/** A row of the merged list: a byte range of a backend's reply, or a parsed value. */
export type SplicedRow = { buf: Buffer; start: number; end: number } | { value: unknown };

const COMMA = 0x2c;
const COMMA_BUF = Buffer.from([COMMA]);

/**
 * Past this many pieces the reply is copied into one buffer: each piece of a gather write costs
 * about as much as copying a few hundred bytes (a merge that drops rows here and there, or an
 * exact page that interleaves the systems, has a piece per row).
 */
export const MAX_PIECES = 64;

/**
 * The merged reply's bytes as pieces to send in order: views of the backends' replies where the
 * rows are theirs, no copy of them. A reply of many small runs comes as one copied piece.
 */
export function splicePieces(key: string, rows: readonly SplicedRow[], total: number | undefined): Buffer[] {
  // Parsed rows only (the scanner was unsure of every reply): one JSON.stringify, as before the scanner.
  if (rows.every((r) => 'value' in r)) {
    const result: Record<string, unknown> = { [key]: rows.map((r) => r.value) };
    if (total !== undefined) result.total = total;
    return [Buffer.from(JSON.stringify(result))];
  }
  const head = Buffer.from(`{${JSON.stringify(key)}:[`);
  const tail = Buffer.from(total === undefined ? ']}' : `],"total":${JSON.stringify(total)}}`);
  // Runs as [buf, start, end]: consecutive rows separated by exactly one comma in the same
  // backend reply are one run (a page that merged without drops is one piece per system).
  const runs: Array<{ buf: Buffer; start: number; end: number }> = [{ buf: head, start: 0, end: head.length }];
  let length = head.length + tail.length;
  let last: { buf: Buffer; start: number; end: number } | undefined;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const sep = i > 0 ? 1 : 0;
    if ('value' in row) {
      const text = Buffer.from(JSON.stringify(row.value));
      if (sep) runs.push({ buf: COMMA_BUF, start: 0, end: 1 });
      runs.push({ buf: text, start: 0, end: text.length });
      length += sep + text.length;
      // A stringified row is its own run: nothing follows it in the same buffer.
      last = undefined;
      continue;
    }
    if (last !== undefined && sep && last.buf === row.buf && last.end + 1 === row.start && row.buf[last.end] === COMMA) {
      length += row.end - last.end;
      last.end = row.end;
      continue;
    }
    if (sep) {
      runs.push({ buf: COMMA_BUF, start: 0, end: 1 });
      length += 1;
    }
    last = { buf: row.buf, start: row.start, end: row.end };
    runs.push(last);
    length += row.end - row.start;
  }
  runs.push({ buf: tail, start: 0, end: tail.length });
  if (runs.length <= MAX_PIECES) {
    return runs.map((r) => (r.start === 0 && r.end === r.buf.length ? r.buf : r.buf.subarray(r.start, r.end)));
  }
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (const r of runs) at += r.buf.copy(out, at, r.start, r.end);
  return [out];
}
