/**
 * How a system's portal origin maps onto the dispatcher's one portal address: `base` is the
 * system's portal URL (origin plus an optional path prefix) that the dispatcher's `/` stands for.
 */
export interface PortalOrigin {
  /** e.g. `http://10.0.0.5:8443` */
  origin: string;
  /** Path prefix without a trailing slash; '' for a portal at the root. */
  prefix: string;
}

export function portalOrigin(baseUrl: string): PortalOrigin {
  const u = new URL(baseUrl);
  return { origin: u.origin, prefix: u.pathname.replace(/\/+$/, '') };
}

function stripPrefix(path: string, prefix: string): string {
  if (prefix === '') return path;
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
}

/**
 * A redirect target as the browser must see it: absolute URLs on any system's portal become
 * paths on the dispatcher (prefix removed); other URLs are left alone.
 */
export function rewriteLocation(location: string, origins: PortalOrigin[]): string {
  for (const o of origins) {
    for (const form of [o.origin, o.origin.replace(/^https?:/, '')]) {
      if (location === form) return '/';
      if (location.startsWith(`${form}/`) || location.startsWith(`${form}?`)) {
        const rest = location.slice(form.length);
        return rest.startsWith('?') ? `/${rest}` : stripPrefix(rest, o.prefix);
      }
    }
  }
  const bound = origins[0];
  return bound !== undefined && location.startsWith('/') ? stripPrefix(location, bound.prefix) : location;
}

/**
 * A Set-Cookie from a system, fit for the dispatcher's address: the Domain attribute goes (the
 * cookie becomes host-only on the dispatcher), the Path loses the system's prefix, Secure is kept
 * only when the browser talks TLS to the dispatcher. A cookie named like the dispatcher's own is
 * dropped (undefined).
 */
export function rewriteSetCookie(value: string, prefix: string, clientTls: boolean, reservedName: string): string | undefined {
  const parts = value.split(';');
  const nameValue = (parts.shift() ?? '').trim();
  if (nameValue.slice(0, nameValue.indexOf('=')).trim() === reservedName) return undefined;
  const kept: string[] = [nameValue];
  for (const raw of parts) {
    const attr = raw.trim();
    const name = attr.split('=')[0]?.trim().toLowerCase() ?? '';
    if (name === 'domain') continue;
    if (name === 'secure' && !clientTls) continue;
    if (name === 'path') {
      kept.push(`Path=${stripPrefix(attr.slice(attr.indexOf('=') + 1).trim() || '/', prefix)}`);
      continue;
    }
    if (attr !== '') kept.push(attr);
  }
  return kept.join('; ');
}

/** Content types whose bodies may carry absolute links to a system's portal. */
export function isRewritableType(contentType: string | undefined): boolean {
  return /^(text\/html|text\/css|application\/xhtml\+xml)\b/i.test(contentType ?? '');
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Absolute links to any system's portal in a page become root-relative links on the dispatcher:
 * `http://host:port/prefix/x` and `//host:port/prefix/x` → `/x`. A match must end at a URL
 * boundary, so port 3480 never eats into port 34805.
 */
export function rewriteBody(text: string, origins: PortalOrigin[]): string {
  let out = text;
  for (const o of origins) {
    const bare = o.origin.replace(/^https?:/, '');
    const re = new RegExp(`(?:${escapeRegExp(o.origin)}|(?<!:)${escapeRegExp(bare)})${escapeRegExp(o.prefix)}(?=([/?#"'\\s)<>]|$))`, 'g');
    out = out.replace(re, (_m, next: string | undefined) => (next === '/' ? '' : '/'));
  }
  return out;
}
