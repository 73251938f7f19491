import { createHash } from 'node:crypto';
import type { Realm, SystemName } from '../core/api-call.ts';
import { dispatcherFault } from '../core/faults.ts';
import type { BackendClient } from './backend-client.ts';

/** A real WSDL is a few hundred KiB at most; a system sending far more is refused. */
export const MAX_WSDL_BYTES = 8 * 1024 * 1024;
/** `location="http://host:port/…"` and `schemaLocation="…"`: the addresses a client follows. */
const ADDRESS_ATTRIBUTE = /(\s(?:location|schemaLocation)\s*=\s*)(["'])(https?:\/\/[^/"'?#]*)([^"']*)\2/g;
/** An API version a WSDL may state in its documentation (`… version MR105 …`). */
const VERSION = /<(?:[\w-]+:)?documentation[^>]*>[^<]*?\bversion\b[\s:=]*([\w.-]+)/i;

/** One WSDL (or included schema) file as a system serves it. */
export interface SystemWsdl {
  system: SystemName;
  /** The text with the system's own addresses in it. */
  text: string;
  contentType: string;
  fetchedAt: number;
}

/** The file's addresses with their origin replaced by `origin` (paths kept). */
export function withOrigin(text: string, origin: string): string {
  const base = origin.replace(/\/+$/, '');
  return text.replace(ADDRESS_ATTRIBUTE, (_m, attr: string, quote: string, _origin: string, rest: string) => `${attr}${quote}${base}${rest}${quote}`);
}

/** PortaBilling's namespaces name the host that serves them: `https://<host>/Porta/SOAP/<Service>`. */
const NAMESPACE_HOST = /(https?:\/\/)[^/"'\s]*(\/Porta\/SOAP\/)/g;

/**
 * Version (if stated) and hash of a WSDL with its addresses' origins and its namespaces' host
 * taken out: equal for the same API served by two hosts.
 */
export function fingerprint(text: string): { version?: string; sha256: string } {
  const sha256 = createHash('sha256').update(withOrigin(text, '').replace(NAMESPACE_HOST, '$1$2')).digest('hex');
  const version = VERSION.exec(text)?.[1];
  return version === undefined ? { sha256 } : { version, sha256 };
}

/**
 * `GET /wsdl/<file>` on one system's realm listener. Only a 200 with an XML body is a WSDL; a
 * 404, or a SOAP fault in answer to the GET, means the system has no such file.
 */
export async function fetchSystemWsdl(backends: BackendClient, system: SystemName, realm: Realm, file: string, requestId: string, now: () => number = Date.now): Promise<SystemWsdl> {
  const res = await backends.request({ system, listener: realm, path: `/wsdl/${file}`, method: 'GET', body: '', requestId, idempotent: true });
  const contentType = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : '';
  const declared = Number(res.headers['content-length'] ?? 0);
  if (res.status !== 200 || !/xml/i.test(contentType) || declared > MAX_WSDL_BYTES) {
    await res.body.dump();
    const what = `WSDL ${file}: the ${system} system answered HTTP ${res.status} with ${contentType || 'no content type'}${declared > MAX_WSDL_BYTES ? ` and ${declared} bytes` : ''}`;
    if (res.status === 404 || (res.status === 500 && /xml/i.test(contentType))) throw dispatcherFault('notFound', what, { httpStatus: 404 });
    throw dispatcherFault('backendUnavailable', what, { retryable: true });
  }
  const text = await res.body.text();
  if (Buffer.byteLength(text) > MAX_WSDL_BYTES) throw dispatcherFault('backendUnavailable', `WSDL ${file}: the ${system} system sent more than ${MAX_WSDL_BYTES} bytes`);
  return { system, text, contentType, fetchedAt: now() };
}
