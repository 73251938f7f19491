import { isScalar } from '../../src/sim/description/description.ts';
import type { SimDescription } from '../../src/sim/description/description.ts';
import type { ParamValue } from './twins.ts';

/**
 * SOAP requests framed the way PHP's SoapClient frames them in WSDL mode (see the capture
 * `soap-php-soapclient.jsonl`): posted to `/soap/<Service>AdminService` with
 * `SOAPAction: "<ns>#<method>"`, `ns1` the service namespace, `ns2` the Session one holding
 * `auth_info`, the params in one `<…Request>` part typed `ns1:<…Request>`.
 */
export const PB_HOST = 'pb.example.com';

const ns = (service: string): string => `https://${PB_HOST}/Porta/SOAP/${service}`;

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One value as a typed rpc/encoded element; struct types come from the description. */
function part(d: SimDescription, name: string, type: string | undefined, v: ParamValue): string {
  if (Array.isArray(v)) {
    const item = type?.endsWith('[]') === true ? type.slice(0, -2) : undefined;
    const itemXsd = v.every((x) => typeof x === 'number' && Number.isInteger(x)) ? 'xsd:int' : v.every((x) => typeof x === 'string') ? 'xsd:string' : 'xsd:anyType';
    return `<${name} SOAP-ENC:arrayType="${itemXsd}[${v.length}]" xsi:type="SOAP-ENC:Array">${v.map((x) => part(d, 'item', item, x)).join('')}</${name}>`;
  }
  if (typeof v === 'number') return `<${name} xsi:type="${Number.isInteger(v) ? 'xsd:int' : 'xsd:double'}">${v}</${name}>`;
  if (typeof v === 'string') return `<${name} xsi:type="xsd:string">${escapeXml(v)}</${name}>`;
  const struct = type !== undefined && !isScalar(type) ? type : undefined;
  const fields = struct === undefined ? {} : d.types.get(struct)?.fields ?? {};
  const typed = struct === undefined ? 'SOAP-ENC:Struct' : `ns1:${struct}`;
  return `<${name} xsi:type="${typed}">${Object.entries(v).map(([k, x]) => part(d, k, fields[k]?.type, x)).join('')}</${name}>`;
}

export interface SoapAuth {
  session_id: string;
  i_env?: number;
}

/** The envelope of one call, byte for byte what a PHP client would post (auth_info: the session id, and i_env when given). */
export function soapEnvelope(d: SimDescription, service: string, method: string, params: Record<string, ParamValue>, auth: SoapAuth): string {
  const request = d.services.get(service)?.methods[method]?.request ?? `${method}Request`;
  const fields = d.types.get(request)?.fields ?? {};
  const authXml = `<session_id xsi:type="xsd:string">${escapeXml(auth.session_id)}</session_id>${auth.i_env === undefined ? '' : `<i_env xsi:type="xsd:int">${auth.i_env}</i_env>`}`;
  const paramsXml = Object.entries(params).map(([k, v]) => part(d, k, fields[k]?.type, v)).join('');
  return '<?xml version="1.0" encoding="UTF-8"?>\n'
    + `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="${ns(service)}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns2="${ns('Session')}" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">`
    + `<SOAP-ENV:Header><ns2:auth_info>${authXml}</ns2:auth_info></SOAP-ENV:Header>`
    + `<SOAP-ENV:Body><ns1:${method}><${request} xsi:type="ns1:${request}">${paramsXml}</${request}></ns1:${method}></SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
}

/** A reply as a client sees it: status, content type and the body's bytes. */
export interface RawReply {
  status: number;
  type: string | null;
  body: Buffer;
}

/** POSTs an envelope to `<base>/soap/<Service>AdminService` with PHP's SOAPAction. */
export async function postSoap(base: string, service: string, method: string, envelope: string): Promise<RawReply> {
  const res = await fetch(`${base}/soap/${service}AdminService`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${ns(service)}#${method}"` },
    body: envelope,
  });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

/** Logs in over SOAP (the struct form) and returns the session id, or throws. */
export async function soapLogin(base: string, login: string, password: string): Promise<string> {
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n'
    + `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="${ns('Session')}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">`
    + `<SOAP-ENV:Body><ns1:login><LoginRequest xsi:type="ns1:LoginRequest"><login xsi:type="xsd:string">${escapeXml(login)}</login><password xsi:type="xsd:string">${escapeXml(password)}</password></LoginRequest></ns1:login></SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
  const res = await fetch(`${base}/soap/SessionAdminService`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${ns('Session')}#login"` }, body });
  const text = await res.text();
  const sid = /<session_id[^>]*>([^<]+)</.exec(text)?.[1];
  if (res.status !== 200 || sid === undefined) throw new Error(`SOAP login at ${base} failed: ${res.status} ${text.slice(0, 300)}`);
  return sid;
}

/** The parts of a `multipart/related` reply (SOAP with attachments): each part's headers (lower-cased names) and bytes. */
export function relatedParts(contentType: string, body: Buffer): Array<{ headers: Record<string, string>; body: Buffer }> {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (boundary === undefined) throw new Error(`no boundary in ${contentType}`);
  const parts: Array<{ headers: Record<string, string>; body: Buffer }> = [];
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const afterDelimiter = at + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString('latin1') === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', afterDelimiter);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd);
    if (headerEnd < 0 || next < 0) throw new Error('a part without its end');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(afterDelimiter + 2, headerEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
  return parts;
}
