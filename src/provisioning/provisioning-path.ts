/** Longest request target a phone may send (vendors' file names are short). */
export const MAX_PROVISIONING_TARGET = 256;
/** Deepest folder structure accepted (`/cisco/spa/<mac>.xml`). */
const MAX_SEGMENTS = 4;
/** One path segment: a plain file or folder name, starting with a letter or digit. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Some vendors name files by the MAC with colons (`00:15:65:12:34:56.cfg`): colons only there. */
const COLON_MAC_FILE = /^(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}(?:\.[A-Za-z0-9]{1,8})?$/;

export type ProvisioningTarget =
  | { ok: true; path: string; file: string; mac?: string }
  | { ok: false; reason: string };

function decodeOnce(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * Validates a phone's request target before any backend is touched. Accepted: an origin-form
 * path of 1..4 plain segments (`[A-Za-z0-9][A-Za-z0-9._-]*`, or a MAC with colons as the file
 * name, no `..`); the query string is
 * dropped. Refused with a reason: absolute or protocol-relative URLs, over-long targets,
 * backslashes, any percent-encoding (so `%2e%2e`, `%252e%252e`, `%2f`, `%5c` never reach a
 * backend, however often encoded), `..`, empty segments, other characters.
 */
export function validateProvisioningTarget(rawTarget: string): ProvisioningTarget {
  if (rawTarget.length > MAX_PROVISIONING_TARGET) return { ok: false, reason: `the request target is longer than ${MAX_PROVISIONING_TARGET} characters` };
  if (!rawTarget.startsWith('/')) return { ok: false, reason: 'absolute URLs are not accepted; ask for /<file>' };
  if (rawTarget.startsWith('//')) return { ok: false, reason: 'protocol-relative URLs are not accepted' };
  const q = rawTarget.search(/[?#]/);
  const path = q < 0 ? rawTarget : rawTarget.slice(0, q);
  if (path.includes('\\')) return { ok: false, reason: 'backslashes are not accepted in paths' };
  if (path.includes('%')) {
    let s = path;
    for (let i = 0; i < 4 && s.includes('%'); i++) {
      const d = decodeOnce(s);
      if (d === undefined || d === s) break;
      s = d;
      if (s.includes('..') || s.includes('\\')) return { ok: false, reason: 'encoded path traversal is not accepted' };
    }
    return { ok: false, reason: 'percent-encoded characters are not accepted in file names' };
  }
  const segments = path.slice(1).split('/');
  if (segments.includes('..') || path.includes('..')) return { ok: false, reason: 'path traversal (..) is not accepted' };
  if (segments.length > MAX_SEGMENTS) return { ok: false, reason: `at most ${MAX_SEGMENTS} path segments are accepted` };
  if (!segments.every((s, i) => SEGMENT.test(s) || (i === segments.length - 1 && COLON_MAC_FILE.test(s)))) {
    return { ok: false, reason: 'a file name may only contain letters, digits, ".", "_" and "-" (":" only between MAC octets)' };
  }
  const file = segments[segments.length - 1] ?? '';
  const mac = macInFileName(file);
  return mac === undefined ? { ok: true, path, file } : { ok: true, path, file, mac };
}

/**
 * The MAC a vendor-style file name carries, for logs: the first run of hex digits (separators
 * allowed) at least 12 long, its last 12 digits (`spa001565123456.xml` → `001565123456`).
 */
function macInFileName(file: string): string | undefined {
  for (const run of file.match(/[0-9A-Fa-f:-]{12,}/g) ?? []) {
    const digits = run.replace(/[:-]/g, '');
    if (digits.length >= 12) return digits.slice(-12).toLowerCase();
  }
  return undefined;
}
