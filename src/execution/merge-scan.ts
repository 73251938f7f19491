import { isUtf8 } from 'node:buffer';

/**
 * A validating scanner for a list reply (`{"customer_list":[{…},…],"total":N}`): it finds each
 * row's bytes and the two fields a merge reads (the id and the moved-away marker) without building
 * the rows as objects, so the merged reply can be spliced from the backends' own bytes instead of
 * JSON.parse + JSON.stringify of every row.
 *
 * It accepts only what JSON.parse accepts (RFC 8259 grammar, valid UTF-8) and reads fields with
 * JSON.parse's meaning (the last of duplicate keys wins, escapes in keys and strings decode,
 * numbers convert as Number()). Anything it is not sure of — invalid or non-UTF-8 bytes, a top
 * level that is not an object, nesting deeper than MAX_DEPTH, a number that JSON.parse +
 * JSON.stringify would turn into another value (1e400 → null, -0 → 0) — yields undefined, and the
 * caller parses the reply with JSON.parse instead. So a row copied as the backend wrote it parses
 * to the same value as the row JSON.stringify wrote before.
 */

/** One element of a list array that a merge keeps (an object or an array; scalars are dropped). */
export interface ScannedRow {
  /** The element's bytes are [start, end) of buf (the scanned buffer). */
  buf: Buffer;
  start: number;
  end: number;
  /** The id field's value when it is a number (the last one given), else undefined. */
  id: number | undefined;
  /** Whether migration_status is the string "moved". */
  moved: boolean;
}

/** What a top-level member's value is. */
export type ScannedKind = 'object' | 'array' | 'string' | 'number' | 'literal';

export interface ScannedMember {
  kind: ScannedKind;
  start: number;
  end: number;
  /** An array member's elements that are objects or arrays (what a merge keeps as rows). */
  rows?: ScannedRow[];
}

export interface ScannedReply {
  buf: Buffer;
  /** Top-level members in the order of their first appearance, each with its last value (JSON.parse's Object.keys order for non-index keys). */
  members: Map<string, ScannedMember>;
}

/** Deeper values are left to JSON.parse (the scanner recurses; a list row is at depth 2). */
export const MAX_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

const MOVED = Buffer.from('"moved"');
const MIGRATION_STATUS = Buffer.from('migration_status');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

/** Thrown inside the scan for anything it will not vouch for; scanListReply turns it into undefined. */
class Unsure extends Error {}
const UNSURE = new Unsure('not scanned');

/** What the last string scanned looked like (set by #string). */
let lastStringEscaped = false;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function skipSpace(b: Buffer, i: number): number {
  for (;;) {
    const c = b[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/**
 * The end of the run of bytes a string holds as they are (not a quote, a backslash or a control
 * character) from b[i]. Two comparisons per byte for the common ones (faster here than a table).
 */
function plainFrom(b: Buffer, i: number): number {
  let c = b[i];
  while (c !== undefined && (c > QUOTE ? c !== BACKSLASH : c === 0x20 || c === 0x21)) c = b[++i];
  return i;
}

/** A string starting at b[i] === '"'; returns the index after its closing quote. */
function scanString(b: Buffer, i: number): number {
  let escaped = false;
  i++;
  for (;;) {
    i = plainFrom(b, i);
    const c = b[i];
    if (c === QUOTE) {
      lastStringEscaped = escaped;
      return i + 1;
    }
    // Past the end, or a control character.
    if (c !== BACKSLASH) throw UNSURE;
    escaped = true;
    const e = b[i + 1];
    if (e === 0x75 /* u */) {
      if (!isHex(b[i + 2] ?? 0) || !isHex(b[i + 3] ?? 0) || !isHex(b[i + 4] ?? 0) || !isHex(b[i + 5] ?? 0)) throw UNSURE;
      i += 6;
    } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
      i += 2;
    } else {
      throw UNSURE;
    }
  }
}

function digitsFrom(b: Buffer, i: number): number {
  const from = i;
  for (let c = b[i]; c !== undefined && c >= ZERO && c <= NINE; c = b[++i]);
  if (i === from) throw UNSURE;
  return i;
}

/** A number starting at b[i] (JSON grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?); returns its end. */
function scanNumber(b: Buffer, i: number): number {
  const start = i;
  const negative = b[i] === MINUS;
  if (negative) i++;
  if (b[i] === ZERO) i++;
  else i = digitsFrom(b, i);
  if (b[i] === 0x2e /* . */) i = digitsFrom(b, i + 1);
  const e = b[i];
  let exponent = false;
  if (e === 0x65 || e === 0x45) {
    exponent = true;
    i++;
    if (b[i] === 0x2b || b[i] === MINUS) i++;
    i = digitsFrom(b, i);
  }
  // A number JSON.stringify would write back as another value (±Infinity as null, -0 as 0) is not
  // copied as written: the reply goes the JSON.parse way. Only these forms can be one.
  if (exponent || i - start > 300 || (negative && b[start + 1] === ZERO)) {
    const v = Number(b.toString('latin1', start, i));
    if (!Number.isFinite(v) || Object.is(v, -0)) throw UNSURE;
  }
  return i;
}

function scanLiteral(b: Buffer, i: number, word: Buffer): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) throw UNSURE;
  return i + word.length;
}

/** Any value starting at b[i]; returns its end. */
function scanValue(b: Buffer, i: number, depth: number): number {
  const c = b[i];
  if (c === QUOTE) return scanString(b, i);
  if (c === OPEN_BRACE) return scanObject(b, i, depth + 1);
  if (c === OPEN_BRACKET) return scanArray(b, i, depth + 1);
  if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) return scanNumber(b, i);
  if (c === 0x74) return scanLiteral(b, i, TRUE);
  if (c === 0x66) return scanLiteral(b, i, FALSE);
  if (c === 0x6e) return scanLiteral(b, i, NULL);
  throw UNSURE;
}

function scanObject(b: Buffer, i: number, depth: number): number {
  if (depth > MAX_DEPTH) throw UNSURE;
  i = skipSpace(b, i + 1);
  if (b[i] === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (b[i] !== QUOTE) throw UNSURE;
    i = skipSpace(b, scanString(b, i));
    if (b[i] !== COLON) throw UNSURE;
    i = skipSpace(b, scanValue(b, skipSpace(b, i + 1), depth));
    const c = b[i];
    if (c === CLOSE_BRACE) return i + 1;
    if (c !== COMMA) throw UNSURE;
    i = skipSpace(b, i + 1);
  }
}

function scanArray(b: Buffer, i: number, depth: number): number {
  if (depth > MAX_DEPTH) throw UNSURE;
  i = skipSpace(b, i + 1);
  if (b[i] === CLOSE_BRACKET) return i + 1;
  for (;;) {
    i = skipSpace(b, scanValue(b, i, depth));
    const c = b[i];
    if (c === CLOSE_BRACKET) return i + 1;
    if (c !== COMMA) throw UNSURE;
    i = skipSpace(b, i + 1);
  }
}

function bytesEqual(b: Buffer, start: number, end: number, word: Buffer): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (b[start + k] !== word[k]) return false;
  return true;
}

/** The key of the string at [start, end) (quotes included), decoded as JSON.parse would. */
function keyText(b: Buffer, start: number, end: number, escaped: boolean): string {
  const raw = b.toString('utf8', start, end);
  return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
}

/** Whether the key at [start, end) (quotes included) is `word`. */
function keyIs(b: Buffer, start: number, end: number, escaped: boolean, word: Buffer): boolean {
  if (!escaped) return bytesEqual(b, start + 1, end - 1, word);
  return keyText(b, start, end, true) === word.toString('latin1');
}

/**
 * The number at [start, end) as Number() (and JSON.parse) reads it: plain integers of up to 15
 * digits are summed here (exact in a double), anything else goes through Number().
 */
function numberAt(b: Buffer, start: number, end: number): number {
  let i = start;
  const negative = b[i] === MINUS;
  if (negative) i++;
  if (end - i <= 15) {
    let v = 0;
    for (; i < end; i++) {
      const c = b[i]!;
      if (c < ZERO || c > NINE) return Number(b.toString('latin1', start, end));
      v = v * 10 + (c - ZERO);
    }
    // -0 stays -0, as Number('-0') and JSON.parse('-0') give.
    return negative ? -v : v;
  }
  return Number(b.toString('latin1', start, end));
}

/** One row object at b[i] === '{' (depth 2): its id and marker, last duplicate winning. */
function scanRow(b: Buffer, i: number, idField: Buffer, row: ScannedRow): number {
  // The hot loop of a merge: plain keys and strings and single separators take the short way,
  // anything else the general rules (scanString, skipSpace, scanValue).
  i++;
  if (b[i]! <= 0x20) i = skipSpace(b, i);
  if (b[i] === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (b[i] !== QUOTE) throw UNSURE;
    const keyStart = i;
    // The key: plain bytes up to its quote (the common case), else the full string rules.
    const k = plainFrom(b, i + 1);
    let keyEnd: number;
    let escaped = false;
    if (b[k] === QUOTE) {
      keyEnd = k + 1;
    } else {
      keyEnd = scanString(b, i);
      escaped = lastStringEscaped;
    }
    i = keyEnd;
    if (b[i] !== COLON) {
      i = skipSpace(b, i);
      if (b[i] !== COLON) throw UNSURE;
    }
    i++;
    if (b[i]! <= 0x20) i = skipSpace(b, i);
    const valueStart = i;
    const c = b[i];
    let valueEnd: number;
    if (c === QUOTE) {
      const v = plainFrom(b, i + 1);
      if (b[v] === QUOTE) {
        valueEnd = v + 1;
        lastStringEscaped = false;
      } else {
        valueEnd = scanString(b, i);
      }
    } else if (c !== undefined && c > ZERO && c <= NINE) {
      // A plain positive integer (ids, counters) ends at its last digit; a fraction, an exponent or
      // a very long number takes scanNumber's checks.
      let v = i + 1;
      for (let d = b[v]; d !== undefined && d >= ZERO && d <= NINE; d = b[++v]);
      const d = b[v];
      valueEnd = d === 0x2e || d === 0x65 || d === 0x45 || v - i > 300 ? scanNumber(b, i) : v;
    } else if (c === 0x6e && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c) {
      valueEnd = i + 4;
    } else {
      valueEnd = scanValue(b, i, 2);
    }
    // Only keys of the lengths sought are compared (an escaped key may be longer than it reads).
    const len = keyEnd - keyStart - 2;
    if ((len === idField.length || escaped) && keyIs(b, keyStart, keyEnd, escaped, idField)) {
      row.id = c === MINUS || (c !== undefined && c >= ZERO && c <= NINE) ? numberAt(b, valueStart, valueEnd) : undefined;
    } else if ((len === MIGRATION_STATUS.length || escaped) && keyIs(b, keyStart, keyEnd, escaped, MIGRATION_STATUS)) {
      row.moved = c === QUOTE && (lastStringEscaped
        ? JSON.parse(b.toString('utf8', valueStart, valueEnd)) === 'moved'
        : bytesEqual(b, valueStart, valueEnd, MOVED));
    }
    i = valueEnd;
    let d = b[i];
    if (d === COMMA) {
      i++;
      if (b[i]! <= 0x20) i = skipSpace(b, i);
      continue;
    }
    if (d === CLOSE_BRACE) return i + 1;
    i = skipSpace(b, i);
    d = b[i];
    if (d === CLOSE_BRACE) return i + 1;
    if (d !== COMMA) throw UNSURE;
    i = skipSpace(b, i + 1);
  }
}

/** The list array at b[i] === '[' (depth 1): the rows a merge keeps. */
function scanRows(b: Buffer, i: number, idField: Buffer, rows: ScannedRow[]): number {
  i = skipSpace(b, i + 1);
  if (b[i] === CLOSE_BRACKET) return i + 1;
  for (;;) {
    const c = b[i];
    let end: number;
    if (c === OPEN_BRACE) {
      const row: ScannedRow = { buf: b, start: i, end: i, id: undefined, moved: false };
      end = scanRow(b, i, idField, row);
      row.end = end;
      rows.push(row);
    } else if (c === OPEN_BRACKET) {
      // An array is an object to the merge's typeof check: kept, with no id and no marker.
      end = scanArray(b, i, 2);
      rows.push({ buf: b, start: i, end, id: undefined, moved: false });
    } else {
      end = scanValue(b, i, 1);
    }
    i = skipSpace(b, end);
    const d = b[i];
    if (d === CLOSE_BRACKET) return i + 1;
    if (d !== COMMA) throw UNSURE;
    i = skipSpace(b, i + 1);
  }
}

function kindOf(c: number): ScannedKind {
  if (c === OPEN_BRACE) return 'object';
  if (c === OPEN_BRACKET) return 'array';
  if (c === QUOTE) return 'string';
  if (c === 0x74 || c === 0x66 || c === 0x6e) return 'literal';
  return 'number';
}

/**
 * Scans a whole reply; undefined when it is not an object of valid JSON in valid UTF-8 (or when
 * the scanner is unsure), and the caller must then use JSON.parse.
 * @param idField the row field merged on (`i_customer`, `i_account`); ASCII.
 */
export function scanListReply(buf: Buffer, idField: string): ScannedReply | undefined {
  if (!isUtf8(buf)) return undefined;
  const id = Buffer.from(idField, 'latin1');
  const b = buf;
  const members = new Map<string, ScannedMember>();
  try {
    let i = skipSpace(b, 0);
    if (b[i] !== OPEN_BRACE) return undefined;
    i = skipSpace(b, i + 1);
    if (b[i] === CLOSE_BRACE) {
      i++;
    } else {
      for (;;) {
        if (b[i] !== QUOTE) throw UNSURE;
        const keyStart = i;
        const keyEnd = scanString(b, i);
        const key = keyText(b, keyStart, keyEnd, lastStringEscaped);
        i = skipSpace(b, keyEnd);
        if (b[i] !== COLON) throw UNSURE;
        const start = skipSpace(b, i + 1);
        const c = b[start];
        let member: ScannedMember;
        if (c === OPEN_BRACKET) {
          const rows: ScannedRow[] = [];
          member = { kind: 'array', start, end: scanRows(b, start, id, rows), rows };
        } else {
          member = { kind: kindOf(c ?? 0), start, end: scanValue(b, start, 0) };
        }
        // Map order is first appearance; the value is the last one, as JSON.parse keeps.
        members.set(key, member);
        i = skipSpace(b, member.end);
        const d = b[i];
        if (d === CLOSE_BRACE) {
          i++;
          break;
        }
        if (d !== COMMA) throw UNSURE;
        i = skipSpace(b, i + 1);
      }
    }
    if (skipSpace(b, i) !== b.length) return undefined;
  } catch (err) {
    if (err instanceof Unsure) return undefined;
    throw err;
  }
  return { buf, members };
}

/** The value of a number member as JSON.parse gives it. */
export function scannedNumber(reply: ScannedReply, m: ScannedMember): number {
  return numberAt(reply.buf, m.start, m.end);
}
