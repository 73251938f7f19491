import { ApiFault, PortaFaultCode } from '../core/faults.ts';
import type { JsonValue } from '../core/api-call.ts';
import { childByLocalName, parseXml } from './safe-xml.ts';
import type { XmlLimits } from './safe-xml.ts';
import { decodeValue, encodeValue, escapeXml } from './soap-values.ts';
import { SOAP_ENC_NS, SOAP_ENV_NS, XSD_NS, XSI_NS, resultPartName } from '../core/soap-names.ts';

/** Content type of every SOAP 1.1 reply. */
export const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8';

/** A reply ready to send: SOAP 1.1 sends faults with HTTP 500, everything else with 200. */
export interface SoapHttpReply {
  status: number;
  contentType: string;
  body: string;
}

const ENVELOPE_OPEN = '<?xml version="1.0" encoding="UTF-8"?>\n'
  + `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${SOAP_ENV_NS}" xmlns:SOAP-ENC="${SOAP_ENC_NS}" xmlns:xsi="${XSI_NS}" xmlns:xsd="${XSD_NS}"`;
const ENVELOPE_CLOSE = '</SOAP-ENV:Body></SOAP-ENV:Envelope>\n';

export interface SoapReplyOptions {
  /** Namespace of the operation (the request's), e.g. `https://host/Porta/SOAP/Customer`. */
  namespace: string;
  /** The old positional login: the result is the session id as a plain string. */
  positionalLogin?: boolean;
}

/**
 * Encodes a JSON result as a SOAP 1.1 rpc/encoded response:
 * `<ns1:<method>Response><<Method>Response xsi:type="SOAP-ENC:Struct">…`, one part holding the
 * whole result, so PHP's SoapClient and zeep return the same data the REST API returns.
 * For the positional login, the part is `session_id` (a string) taken from the result.
 */
export function encodeSoapReply(method: string, result: JsonValue, options: SoapReplyOptions): SoapHttpReply {
  const out: string[] = [
    ENVELOPE_OPEN,
    ` xmlns:ns1="${escapeXml(options.namespace)}" SOAP-ENV:encodingStyle="${SOAP_ENC_NS}"><SOAP-ENV:Body>`,
    `<ns1:${method}Response>`,
  ];
  if (options.positionalLogin === true) {
    const sid = result !== null && typeof result === 'object' && !Array.isArray(result) ? result.session_id : result;
    if (typeof sid !== 'string') throw new ApiFault(PortaFaultCode.badRequest, 'Cannot encode the positional login reply: the result has no session_id string');
    encodeValue('session_id', sid, out);
  } else {
    encodeValue(resultPartName(method), result, out);
  }
  out.push(`</ns1:${method}Response>`, ENVELOPE_CLOSE);
  return { status: 200, contentType: SOAP_CONTENT_TYPE, body: out.join('') };
}

/**
 * Encodes a fault as a SOAP 1.1 Fault, HTTP 500 (SOAP 1.1 §6.2 sends every fault with 500,
 * whatever status the same fault would have over REST).
 */
export function encodeSoapFault(fault: { faultcode: string; faultstring: string }): SoapHttpReply {
  const body = `${ENVELOPE_OPEN}><SOAP-ENV:Body><SOAP-ENV:Fault>`
    + `<faultcode>${escapeXml(fault.faultcode)}</faultcode><faultstring>${escapeXml(fault.faultstring)}</faultstring>`
    + `</SOAP-ENV:Fault>${ENVELOPE_CLOSE}`;
  return { status: 500, contentType: SOAP_CONTENT_TYPE, body };
}

/**
 * Decodes a SOAP 1.1 response (as a backend sends it) back to JSON: the single result part's
 * value, or the parts as an object when there are several; a Fault is thrown as an `ApiFault`
 * with its faultcode and faultstring.
 */
export function decodeSoapReply(body: Uint8Array | string, limits?: XmlLimits): JsonValue {
  const root = parseXml(body, limits);
  if (root.localName !== 'Envelope' || root.namespace !== SOAP_ENV_NS) throw new ApiFault(PortaFaultCode.badRequest, `Expected a SOAP 1.1 Envelope; got <${root.name}>`);
  const bodyEl = root.children.find((c) => c.localName === 'Body' && c.namespace === SOAP_ENV_NS);
  const first = bodyEl?.children[0];
  if (first === undefined) throw new ApiFault(PortaFaultCode.badRequest, 'The SOAP response has an empty Body');
  if (first.localName === 'Fault' && first.namespace === SOAP_ENV_NS) {
    const code = childByLocalName(first, 'faultcode')?.text.trim() ?? 'Server';
    const text = childByLocalName(first, 'faultstring')?.text ?? '';
    throw new ApiFault(code, text);
  }
  const parts = first.children;
  if (parts.length === 0) return null;
  if (parts.length === 1) return decodeValue(parts[0]!, `/${first.localName}`);
  const out: { [key: string]: JsonValue } = {};
  for (const p of parts) out[p.localName] = decodeValue(p, `/${first.localName}/${p.localName}`);
  return out;
}
