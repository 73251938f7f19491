import type { ApiCall, JsonObject } from '../core/api-call.ts';
import type { ForwardedEnvelope } from '../core/forwarded-envelope.ts';

/** What the edge kept of the client's request so the params can be forwarded without re-serialising. */
export interface RawRequestBody {
  /** The whole JSON body, when it carried no auth_info (forwarded byte for byte). */
  rawJsonBody?: Buffer;
  /** The params JSON text as the client sent it (form field or path segment). */
  rawParams?: string;
  /** A multipart upload with file parts: forwarded as multipart, the client's auth_info part cut out. */
  multipart?: { contentType: string; body: Buffer };
  /** An ESPF request, forwarded to the backend's ESPF API with its verb, path and body as they came. */
  espf?: { method: string; path: string; body: Buffer; contentType?: string };
  /** A call in a wire format the backend speaks too (SOAP): sent to one system as the client framed it. */
  envelope?: ForwardedEnvelope;
}

/**
 * The body sent to a backend: `{"params":…}` in JSON style, the backend's own token going in the
 * Authorization header. The client's credentials (auth_info) are never forwarded.
 */
export function backendBody(call: ApiCall, raw: RawRequestBody, override?: JsonObject): string {
  if (raw.multipart !== undefined && override === undefined) throw new Error('a multipart upload has no JSON body: use backendPayload');
  if (override !== undefined) return JSON.stringify({ params: override });
  if (raw.rawJsonBody !== undefined) return raw.rawJsonBody.toString('utf8');
  if (raw.rawParams !== undefined && raw.rawParams.trim() !== '') return `{"params":${raw.rawParams}}`;
  return JSON.stringify({ params: call.params });
}

/** What a backend is sent: a JSON `{"params":…}` body, or a multipart upload as the client framed it. */
export interface BackendPayload {
  body: string | Buffer;
  contentType?: string;
  /** ESPF: the verb and path on the backend (absent: POST to the call's REST path). */
  method?: string;
  path?: string;
  /** Forwarded in the client's wire format: the body is built at send time with the backend session. */
  envelope?: ForwardedEnvelope;
}

/**
 * The payload of a call sent to one system as it came: a forwarded envelope (SOAP) keeps its
 * format; merges, broadcasts and mirrored writes use {@link backendPayload} (JSON) instead,
 * because the dispatcher reads or repeats their replies.
 */
export function singlePayload(call: ApiCall, raw: RawRequestBody): BackendPayload {
  return raw.envelope !== undefined ? envelopePayload(raw.envelope) : backendPayload(call, raw);
}

/** The payload of a call sent in the client's format, to the path the client posted to. */
export function envelopePayload(envelope: ForwardedEnvelope): BackendPayload {
  return { body: '', path: envelope.path, contentType: envelope.contentType, envelope };
}

/** The payload of a call forwarded unchanged (a file upload keeps its parts; anything else goes as JSON). */
export function backendPayload(call: ApiCall, raw: RawRequestBody): BackendPayload {
  if (raw.espf !== undefined) {
    const p: BackendPayload = { body: raw.espf.body, method: raw.espf.method, path: raw.espf.path };
    if (raw.espf.contentType !== undefined) p.contentType = raw.espf.contentType;
    return p;
  }
  if (raw.multipart !== undefined) return { body: raw.multipart.body, contentType: raw.multipart.contentType };
  return { body: backendBody(call, raw) };
}
