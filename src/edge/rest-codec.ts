import type { ApiCall, CallCredentials, JsonObject, Realm, RequestStyle } from '../core/api-call.ts';
import { dispatcherFault, type ApiFault } from '../core/faults.ts';
import { parseMultipart } from './multipart.ts';

/** What the REST codec needs of an HTTP request (already read within the body limit). */
export interface RestRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  clientIp: string;
  requestId: string;
}

export interface DecodedRest {
  call: ApiCall;
  /**
   * The request's `params` as the client serialised them, when the call can be forwarded with
   * its params bytes unchanged (saves a re-serialisation on the hot path).
   */
  rawParams?: string;
  /** A multipart upload with file parts, to forward as multipart (see MultipartBody.forBackend). */
  multipart?: { contentType: string; body: Buffer };
}

const PATH = /^\/rest\/([A-Za-z][A-Za-z0-9_]{0,63})\/([A-Za-z][A-Za-z0-9_]{0,127})(?:\/([^/]*)\/([^/]*))?\/?$/;
const PORTASIP_PATH = /^\/portasip\/([A-Za-z][A-Za-z0-9_]{0,63})\/([A-Za-z][A-Za-z0-9_]{0,127})\/?$/;

const BEARER = /^bearer\s+/i;

function header(h: RestRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseJsonObject(text: string, what: string): JsonObject {
  if (text === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw dispatcherFault('badRequest', `${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw dispatcherFault('badRequest', `${what} must be a JSON object, got ${Array.isArray(v) ? 'an array' : typeof v}`);
  return v as JsonObject;
}

function credentialsFrom(authInfo: JsonObject, bearer: string | undefined): CallCredentials {
  const c: CallCredentials = {};
  if (typeof authInfo.session_id === 'string' && authInfo.session_id !== '') c.sessionId = authInfo.session_id;
  if (typeof authInfo.login === 'string') c.login = authInfo.login;
  if (typeof authInfo.password === 'string') c.password = authInfo.password;
  if (typeof authInfo.token === 'string') c.token = authInfo.token;
  if (typeof authInfo.access_token === 'string') c.accessToken = authInfo.access_token;
  if (bearer !== undefined) c.accessToken = bearer;
  return c;
}

function safeDecode(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw dispatcherFault('badRequest', `${what} is not valid percent-encoding: ${JSON.stringify(segment.slice(0, 80))}`);
  }
}

/**
 * Decodes a PortaBilling REST request in any of its three styles (form/multipart fields, JSON body
 * with Bearer, legacy path segments) into one ApiCall. Throws ApiFault for anything malformed.
 */
export function decodeRestRequest(req: RestRequest, realm: Realm, portasip: boolean): DecodedRest {
  if (req.method !== 'POST') {
    throw dispatcherFault('methodNotAllowed', `${req.method} is not supported: PortaBilling API calls are POST requests`, { httpStatus: 405 });
  }
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const m = (portasip ? PORTASIP_PATH : PATH).exec(path);
  if (m === null) {
    throw dispatcherFault('notFound', `no API method at ${JSON.stringify(path.slice(0, 200))}: expected POST /${portasip ? 'portasip' : 'rest'}/<Service>/<method>`, { httpStatus: 404 });
  }
  const service = m[1]!;
  const method = m[2]!;
  const pathSession = m[3];
  const pathParams = m[4];

  const contentType = (header(req.headers, 'content-type') ?? '').toLowerCase();
  const auth = header(req.headers, 'authorization');
  const bearerMatch = auth === undefined ? null : BEARER.exec(auth);
  const bearer = bearerMatch === null ? undefined : auth!.slice(bearerMatch[0].length).trim();

  let style: RequestStyle;
  let params: JsonObject;
  let authInfo: JsonObject = {};
  let rawParams: string | undefined;
  let multipart: DecodedRest['multipart'];

  if (pathParams !== undefined) {
    style = 'path';
    rawParams = safeDecode(pathParams, 'the params path segment');
    params = parseJsonObject(rawParams, 'the params path segment');
    const sid = safeDecode(pathSession ?? '', 'the session path segment');
    if (sid !== '') authInfo = { session_id: sid };
  } else if (req.body.length === 0) {
    style = contentType.startsWith('application/json') ? 'json' : 'form';
    params = {};
  } else if (contentType.startsWith('application/json')) {
    style = 'json';
    const text = req.body.toString('utf8');
    const envelope = parseJsonObject(text, 'the request body');
    const p = envelope.params;
    if (p !== undefined && p !== null && (typeof p !== 'object' || Array.isArray(p))) throw dispatcherFault('badRequest', 'params must be a JSON object');
    params = (p ?? {}) as JsonObject;
    const a = envelope.auth_info;
    if (a !== undefined && a !== null) {
      if (typeof a === 'string') authInfo = parseJsonObject(a, 'auth_info');
      else if (typeof a === 'object' && !Array.isArray(a)) authInfo = a;
      else throw dispatcherFault('badRequest', 'auth_info must be a JSON object');
    }
  } else if (contentType.startsWith('application/x-www-form-urlencoded') || contentType.startsWith('multipart/form-data') || contentType === '') {
    let fields: Map<string, string>;
    if (contentType.startsWith('multipart/form-data')) {
      style = 'multipart';
      const contentTypeHeader = header(req.headers, 'content-type') ?? '';
      const mp = parseMultipart(req.body, contentTypeHeader);
      fields = mp.fields;
      if (mp.forBackend !== undefined) multipart = { contentType: contentTypeHeader, body: mp.forBackend };
    } else {
      style = 'form';
      fields = new Map(new URLSearchParams(req.body.toString('utf8')));
    }
    rawParams = fields.get('params');
    params = parseJsonObject(rawParams ?? '', 'the params field');
    authInfo = parseJsonObject(fields.get('auth_info') ?? '', 'the auth_info field');
  } else {
    throw dispatcherFault('unsupportedMediaType', `Content-Type ${JSON.stringify(contentType.slice(0, 100))} is not supported: use application/json, application/x-www-form-urlencoded or multipart/form-data`, { httpStatus: 415 });
  }

  const call: ApiCall = {
    realm, service, method, params, authInfo,
    credentials: credentialsFrom(authInfo, bearer),
    style, portasip, clientIp: req.clientIp, requestId: req.requestId,
  };
  const out: DecodedRest = rawParams === undefined ? { call } : { call, rawParams };
  if (multipart !== undefined) out.multipart = multipart;
  return out;
}

/** Serialises a fault as PortaBilling does: HTTP 500 (or the fault's status), JSON faultcode/faultstring. */
export function encodeRestFault(fault: ApiFault): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: fault.httpStatus,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ faultcode: fault.faultcode, faultstring: fault.faultstring }),
  };
}
