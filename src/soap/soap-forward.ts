import { SOAP_ENV_NS } from '../core/soap-names.ts';
import type { ForwardedEnvelope } from '../core/forwarded-envelope.ts';
import { childByLocalName, parseXml } from './safe-xml.ts';
import type { XmlLimits } from './safe-xml.ts';
import { decodeSoapReply } from './soap-reply.ts';
import { envelopeWithSession, splitEnvelope, type SplitEnvelope } from './envelope-splice.ts';
import { envelopeWithParams } from './envelope-params.ts';
import { readSoapList, writeSoapList } from './soap-list.ts';

export interface SoapForwardRequest {
  /** The envelope as the client sent it (already decoded once, so well-formed). */
  body: Buffer;
  /** The path the client posted to: the backend serves the same SOAP paths. */
  path: string;
  contentType?: string | undefined;
  soapAction?: string | undefined;
  limits?: XmlLimits | undefined;
}

/**
 * Issue 16: a SOAP call goes to the backend as the client framed it. Only the `auth_info`
 * header changes (the backend session's id in place of the client's credentials); the envelope
 * is cut once, on the first send, and a renewed session is put into the same cut.
 */
export function soapForward(req: SoapForwardRequest): ForwardedEnvelope {
  let split: SplitEnvelope | undefined;
  const headers: Record<string, string> = {};
  if (req.soapAction !== undefined) headers.soapaction = req.soapAction;
  return {
    path: req.path,
    contentType: req.contentType ?? 'text/xml; charset=utf-8',
    headers,
    withSession: (sessionId) => envelopeWithSession(split ??= splitEnvelope(req.body), sessionId),
    withParams(edits) {
      const body = envelopeWithParams(req.body, edits, req.limits);
      return body === undefined ? undefined : soapForward({ ...req, body });
    },
    faultOf(body) {
      try {
        const root = parseXml(body, req.limits);
        const fault = root.children.find((c) => c.localName === 'Body' && c.namespace === SOAP_ENV_NS)?.children[0];
        if (fault?.localName !== 'Fault' || fault.namespace !== SOAP_ENV_NS) return undefined;
        const code = childByLocalName(fault, 'faultcode')?.text.trim() ?? '';
        return code === '' ? undefined : { faultcode: code, faultstring: childByLocalName(fault, 'faultstring')?.text ?? '' };
      } catch {
        return undefined;
      }
    },
    resultOf(body) {
      try {
        return decodeSoapReply(body, req.limits);
      } catch {
        return undefined;
      }
    },
    readList: (body, idField) => readSoapList(body, idField, req.limits),
    writeList: writeSoapList,
  };
}
