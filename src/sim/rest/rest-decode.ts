import type { CallCredentials, JsonObject, RequestStyle } from '../../core/api-call.ts';
import type { SimHttpRequest } from '../http/sim-http.ts';
import { simFault } from '../api/sim-faults.ts';
import { parseMultipart, type MultipartFile } from './multipart.ts';

export interface DecodedRestCall {
  service: string;
  method: string;
  params: JsonObject;
  authInfo: JsonObject;
  credentials: CallCredentials;
  style: RequestStyle;
  /** File parts of a multipart body (uploads); empty otherwise. */
  files: MultipartFile[];
}

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function parseJsonObject(text: string, what: string): JsonObject {
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw simFault('badRequest', `${what} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw simFault('badRequest', `${what} must be a JSON object, got ${Array.isArray(v) ? 'an array' : typeof v}`);
  return v as JsonObject;
}

/** A field that may hold an object or a JSON string of one (form clients send strings). */
function objectField(v: unknown, what: string): JsonObject {
  if (v === undefined || v === null || v === '') return {};
  if (typeof v === 'string') return parseJsonObject(v, what);
  if (typeof v === 'object' && !Array.isArray(v)) return v as JsonObject;
  throw simFault('badRequest', `${what} must be a JSON object`);
}

function decodeSegment(seg: string, what: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw simFault('badRequest', `${what} in the path is not valid URL encoding`);
  }
}

/**
 * Decodes a REST call in any of the three styles real clients use: form (urlencoded or multipart)
 * fields `auth_info`/`params` as JSON strings; a JSON body `{"params","auth_info"}` with an
 * optional Bearer token; or the legacy path form `/<prefix>/<S>/<m>/<session_id>/<params json>`.
 */
export function decodeRestCall(req: SimHttpRequest, prefix: string): DecodedRestCall {
  if (req.method !== 'POST') throw simFault('badRequest', `The API accepts POST only, got ${req.method}`);
  const segs = req.rawPath.slice(prefix.length).split('/');
  const [service = '', method = '', ...tail] = segs;
  if (!NAME.test(service) || !NAME.test(method)) {
    throw simFault('unknownMethod', `Unknown API path ${decodeSegment(req.rawPath, 'path').slice(0, 120)}: expected ${prefix}<Service>/<method>`);
  }
  let style: RequestStyle = 'json';
  let params: JsonObject = {};
  let authInfo: JsonObject = {};
  let pathSession: string | undefined;
  let files: MultipartFile[] = [];
  if (tail.length >= 2 || (tail.length === 1 && tail[0] !== '')) {
    // Legacy path form: the session id, then the URL-encoded params JSON (may contain '/').
    style = 'path';
    pathSession = decodeSegment(tail[0] ?? '', 'session id');
    const rawParams = tail.slice(1).join('/');
    params = parseJsonObject(decodeSegment(rawParams, 'params'), 'params (path)');
  }
  const ct = (req.headers['content-type'] ?? '').toLowerCase();
  const text = req.body.toString('utf8');
  if (req.body.length > 0) {
    let fields: { params?: unknown; auth_info?: unknown } | undefined;
    if (ct.startsWith('application/json') || (ct === '' && text.trimStart().startsWith('{'))) {
      const body = parseJsonObject(text, 'The request body');
      fields = { params: body.params, auth_info: body.auth_info };
      if (style !== 'path') style = 'json';
    } else if (ct.startsWith('application/x-www-form-urlencoded') || ct === '') {
      const form = new URLSearchParams(text);
      fields = { params: form.get('params') ?? undefined, auth_info: form.get('auth_info') ?? undefined };
      if (style !== 'path') style = 'form';
    } else if (ct.startsWith('multipart/form-data')) {
      const mp = parseMultipart(req.body, req.headers['content-type'] ?? '');
      if (!mp) throw simFault('badRequest', 'The multipart/form-data body cannot be parsed (missing or wrong boundary)');
      fields = { params: mp.fields.get('params'), auth_info: mp.fields.get('auth_info') };
      files = mp.files;
      if (style !== 'path') style = 'multipart';
    } else {
      throw simFault('badRequest', `Unsupported Content-Type "${ct}": send application/json, application/x-www-form-urlencoded or multipart/form-data`);
    }
    if (style !== 'path' || fields.params !== undefined) params = objectField(fields.params, 'params');
    authInfo = objectField(fields.auth_info, 'auth_info');
  }
  const credentials: CallCredentials = {};
  const sid = authInfo.session_id;
  if (typeof sid === 'string' && sid !== '') credentials.sessionId = sid;
  else if (pathSession !== undefined && pathSession !== '') credentials.sessionId = pathSession;
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m?.[1]) credentials.accessToken = m[1];
  }
  if (typeof authInfo.access_token === 'string' && credentials.accessToken === undefined) credentials.accessToken = authInfo.access_token;
  if (typeof authInfo.login === 'string') {
    credentials.login = authInfo.login;
    if (typeof authInfo.password === 'string') credentials.password = authInfo.password;
    if (typeof authInfo.token === 'string') credentials.token = authInfo.token;
  }
  return { service, method, params, authInfo, credentials, style, files };
}
