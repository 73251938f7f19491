import type { ApiCall, JsonObject, JsonValue, Realm } from '../core/api-call.ts';
import type { RawRequestBody } from '../execution/raw-request-body.ts';
import type { RestRequest } from './rest-codec.ts';
import { OWNED_KINDS } from '../core/owned-kinds.ts';
import { dispatcherFault } from '../core/faults.ts';

/** The ESPF API's prefix (PortaBilling's REST-over-HTTP-verbs API, as the porta/billing library calls it). */
export const ESPF_PREFIX = '/espf/v1/';

const VERBS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Path collections whose next segment is the id of a record the dispatcher can place: a
 * customer, an account, or a record one of them owns. One row per collection name.
 */
const COLLECTION_IDS: Readonly<Record<string, string>> = {
  customers: 'i_customer', customer: 'i_customer',
  accounts: 'i_account', account: 'i_account',
  invoices: OWNED_KINDS.invoice, xdrs: OWNED_KINDS.xdr, dids: OWNED_KINDS.did, did_numbers: OWNED_KINDS.did,
  uas: OWNED_KINDS.ua, subscriptions: OWNED_KINDS.subscription, aliases: OWNED_KINDS.alias,
};

const SEGMENT = /^[A-Za-z0-9_.~-]{1,128}$/;
const BEARER = /^bearer\s+/i;

export interface DecodedEspf {
  call: ApiCall;
  raw: RawRequestBody;
}

function header(h: RestRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Decodes an ESPF request (`/espf/v1/<collection>/<id>/…`, any verb, `Authorization: Bearer`)
 * into an ApiCall routed by the same rules as REST: the ids in its path (`customers/5` names
 * i_customer 5) and every locator field of a JSON body. `method` is the verb and the path template
 * (`PUT /customers/{id}`); the request is forwarded to the backend's ESPF API as it came.
 */
export function decodeEspfRequest(req: RestRequest, realm: Realm): DecodedEspf {
  if (!VERBS.has(req.method)) throw dispatcherFault('methodNotAllowed', `${req.method} is not an ESPF method`, { httpStatus: 405 });
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const segments = path.slice(ESPF_PREFIX.length).split('/').filter((s, i, a) => s !== '' || i < a.length - 1);
  if (segments.length === 0 || segments.length > 12 || !segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')) {
    throw dispatcherFault('notFound', `no ESPF resource at ${JSON.stringify(path.slice(0, 200))}`, { httpStatus: 404 });
  }
  const fromPath: JsonObject = {};
  const template: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const field = COLLECTION_IDS[segments[i - 1] ?? ''];
    if (i > 0 && field !== undefined && /^[1-9]\d{0,15}$/.test(seg)) {
      if (fromPath[field] !== undefined && fromPath[field] !== Number(seg)) {
        throw dispatcherFault('ambiguousLocation', `Cannot route ${path}: it names ${field} twice`);
      }
      fromPath[field] = Number(seg);
      template.push('{id}');
    } else {
      template.push(seg);
    }
  }
  const contentType = (header(req.headers, 'content-type') ?? '').toLowerCase();
  let body: JsonObject = {};
  if (req.body.length > 0 && contentType.startsWith('application/json')) {
    let v: unknown;
    try {
      v = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw dispatcherFault('badRequest', 'the ESPF request body is not valid JSON', { httpStatus: 400 });
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) body = v as JsonObject;
    else if (Array.isArray(v)) body = { items: v as JsonValue[] };
  }
  const auth = header(req.headers, 'authorization');
  const m = auth === undefined ? null : BEARER.exec(auth);
  const call: ApiCall = {
    realm, service: 'ESPF', method: `${req.method} /${template.join('/')}`,
    // The path's ids sit beside the body so the locator table finds both (and refuses a conflict).
    params: Object.keys(fromPath).length === 0 ? body : { ...body, espf_path: fromPath },
    authInfo: {},
    credentials: m === null ? {} : { accessToken: auth!.slice(m[0].length).trim() },
    style: 'espf', portasip: false, clientIp: req.clientIp, requestId: req.requestId,
  };
  const espf: NonNullable<RawRequestBody['espf']> = { method: req.method, path: req.url, body: req.body };
  const ct = header(req.headers, 'content-type');
  if (ct !== undefined) espf.contentType = ct;
  return { call, raw: { espf } };
}
