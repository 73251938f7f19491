import { createHash } from 'node:crypto';
import type { SimSystem } from '../api/sim-context.ts';
import type { WebHandler, WebResponse } from '../portal/web-listener.ts';
import { deviceRegistry, normalizeMac } from './device-registry.ts';
import { CPE_CONTENT_TYPES, renderCpeConfig, type CpeFormat } from './cpe-config.ts';

/** Request counters (tests prove that refused paths never reached a system). */
export interface ProvisioningStats {
  requests: number;
  served: number;
}

/** `<mac>.cfg` / `<mac>.xml`, MAC in any case, bare or with `:`/`-` between octets. */
const FILE = /^\/([0-9A-Fa-f]{2}(?:[:-]?[0-9A-Fa-f]{2}){5})\.(cfg|xml)$/;

const MAX_TRACKED_FILES = 200_000;

function text(status: number, body: string, extra: Record<string, string> = {}): WebResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...extra }, body };
}

/** RFC 9110 §13.1.2: If-None-Match compares weakly; `*` matches any current file. */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}

/**
 * CPE provisioning of one simulated system: `GET`/`HEAD /<mac>.cfg|.xml` renders the file of the
 * phone bound to an account of this system. A device whose account is not here (unknown, or its
 * customer moved away) is a 404. ETag/Last-Modified and conditional requests (304) as a real
 * provisioning server does.
 */
export function createProvisioningHandler(o: { sys: SimSystem; stats: ProvisioningStats }): WebHandler {
  const { sys, stats } = o;
  // Last-Modified moves when a file's content changes (an account's password, a transfer).
  const versions = new Map<string, { etag: string; modifiedAt: number }>();
  return (req) => {
    stats.requests++;
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'Only GET and HEAD\n', { allow: 'GET, HEAD' });
    const m = FILE.exec(req.rawPath);
    const mac = m ? normalizeMac(m[1] ?? '') : undefined;
    if (!m || mac === undefined) return text(404, 'No such file\n');
    const format = m[2] as CpeFormat;
    const binding = deviceRegistry(sys).lookup(mac);
    const account = binding === undefined ? undefined : sys.store.getAccount(binding.i_account);
    const customer = account === undefined ? undefined : sys.store.getCustomer(account.i_customer);
    if (!binding || !account || !customer || sys.store.movedMark(customer.i_customer)) return text(404, `No device ${mac} on this system\n`);
    const body = renderCpeConfig(format, { mac, role: sys.role, env: sys.env, account, customer, portasip: sys.store.portaSipOf(account) });
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    const key = `${mac}.${format}`;
    let version = versions.get(key);
    if (version?.etag !== etag) {
      version = { etag, modifiedAt: version === undefined ? binding.boundAt : Date.now() };
      if (versions.size >= MAX_TRACKED_FILES) versions.clear();
      versions.set(key, version);
    }
    const headers: Record<string, string> = {
      etag,
      'last-modified': new Date(version.modifiedAt).toUTCString(),
      'cache-control': 'no-cache',
      'x-sim-role': sys.role,
    };
    const ims = req.headers['if-modified-since'];
    const inm = req.headers['if-none-match'];
    const notModified = inm !== undefined ? noneMatch(inm, etag)
      : ims !== undefined && Math.floor(version.modifiedAt / 1000) * 1000 <= Date.parse(ims);
    if (notModified) return { status: 304, headers };
    stats.served++;
    return { status: 200, headers: { ...headers, 'content-type': CPE_CONTENT_TYPES[format] }, body };
  };
}
