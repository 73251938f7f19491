import { isApiFault, type ApiFault } from '../../core/faults.ts';
import type { CallCredentials, JsonObject, Realm } from '../../core/api-call.ts';
import type { SimApi } from '../api/sim-api.ts';
import type { SimCallContext } from '../api/sim-context.ts';
import { simFault } from '../api/sim-faults.ts';
import type { SimHttpRequest, SimHttpResponse, SimHttpRoute } from '../http/sim-http.ts';
import { espfStatusOf } from './espf-status.ts';

/** Where the ESPF API lives (the porta/billing PHP library's ESPF_BASE). */
export const ESPF_BASE = '/espf/v1';

interface EspfCall {
  ctx: SimCallContext;
  ids: number[];
  body: JsonObject;
  query: URLSearchParams;
}

interface EspfEndpoint {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path after ESPF_BASE; each `(\d+)` group is an id. */
  path: RegExp;
  /** Reply status on success (201 for creations). */
  created?: boolean;
  run(api: SimApi, call: EspfCall): JsonObject;
}

function id(call: EspfCall, i: number): number {
  const v = call.ids[i];
  if (v === undefined) throw new Error('ESPF endpoint without its path id');
  return v;
}

function pagingOf(query: URLSearchParams): JsonObject {
  const out: JsonObject = {};
  for (const name of ['limit', 'offset'] as const) {
    const v = query.get(name);
    if (v !== null) {
      if (!/^\d{1,9}$/.test(v)) throw simFault('validation', `Query parameter ${name} must be a non-negative integer, got ${JSON.stringify(v.slice(0, 40))}`);
      out[name] = Number(v);
    }
  }
  return out;
}

/** The body fields, without any id field that would contradict the path. */
function patchOf(body: JsonObject, idField: string, value: number): JsonObject {
  const given = body[idField];
  if (given !== undefined && given !== value && given !== String(value)) {
    throw simFault('validation', `Body ${idField} ${JSON.stringify(given)} does not match the path's ${value}`);
  }
  return { ...body, [idField]: value };
}

/**
 * The simulator's ESPF endpoints: the records it has, addressed by their ids in the path,
 * served over the same service methods as the JSON API (so realm scoping, the moved marker and
 * the write log apply unchanged).
 */
export const ESPF_ENDPOINTS: readonly EspfEndpoint[] = [
  { method: 'GET', path: /^\/customers\/(\d{1,15})$/, run: (api, c) => api.invoke(c.ctx, 'Customer', 'get_customer_info', { i_customer: id(c, 0) }).customer_info as JsonObject },
  {
    method: 'PUT', path: /^\/customers\/(\d{1,15})$/,
    run: (api, c) => {
      api.invoke(c.ctx, 'Customer', 'update_customer', { customer_info: patchOf(c.body, 'i_customer', id(c, 0)) });
      return api.invoke(c.ctx, 'Customer', 'get_customer_info', { i_customer: id(c, 0) }).customer_info as JsonObject;
    },
  },
  {
    method: 'GET', path: /^\/customers\/(\d{1,15})\/accounts$/,
    run: (api, c) => {
      const r = api.invoke(c.ctx, 'Account', 'get_account_list', { i_customer: id(c, 0), get_total: 1, ...pagingOf(c.query) });
      return { items: r.account_list ?? [], total: r.total ?? 0 };
    },
  },
  {
    method: 'POST', path: /^\/customers\/(\d{1,15})\/accounts$/, created: true,
    run: (api, c) => {
      const r = api.invoke(c.ctx, 'Account', 'add_account', { account_info: patchOf(c.body, 'i_customer', id(c, 0)) });
      return api.invoke(c.ctx, 'Account', 'get_account_info', { i_account: r.i_account ?? null }).account_info as JsonObject;
    },
  },
  {
    method: 'GET', path: /^\/customers\/(\d{1,15})\/invoices$/,
    run: (api, c) => {
      const r = api.invoke(c.ctx, 'Invoice', 'get_invoice_list', { i_customer: id(c, 0), get_total: 1, ...pagingOf(c.query) });
      return { items: r.invoice_list ?? [], total: r.total ?? 0 };
    },
  },
  {
    method: 'GET', path: /^\/customers\/(\d{1,15})\/subscriptions$/,
    run: (api, c) => {
      const r = api.invoke(c.ctx, 'Customer', 'get_subscriptions', { i_customer: id(c, 0) });
      const items = Array.isArray(r.subscriptions) ? r.subscriptions : [];
      return { items, total: items.length };
    },
  },
  {
    method: 'DELETE', path: /^\/customers\/(\d{1,15})\/subscriptions\/(\d{1,15})$/,
    run: (api, c) => api.invoke(c.ctx, 'Customer', 'close_subscription', { i_customer: id(c, 0), i_customer_subscription: id(c, 1) }),
  },
  { method: 'GET', path: /^\/accounts\/(\d{1,15})$/, run: (api, c) => api.invoke(c.ctx, 'Account', 'get_account_info', { i_account: id(c, 0) }).account_info as JsonObject },
  {
    method: 'PUT', path: /^\/accounts\/(\d{1,15})$/,
    run: (api, c) => {
      api.invoke(c.ctx, 'Account', 'update_account', { account_info: patchOf(c.body, 'i_account', id(c, 0)) });
      return api.invoke(c.ctx, 'Account', 'get_account_info', { i_account: id(c, 0) }).account_info as JsonObject;
    },
  },
  {
    method: 'GET', path: /^\/accounts\/(\d{1,15})\/aliases$/,
    run: (api, c) => {
      const r = api.invoke(c.ctx, 'Account', 'get_alias_list', { i_master_account: id(c, 0) });
      const items = Array.isArray(r.alias_list) ? r.alias_list : [];
      return { items, total: items.length };
    },
  },
  {
    method: 'POST', path: /^\/accounts\/(\d{1,15})\/aliases$/, created: true,
    run: (api, c) => {
      const r = api.invoke(c.ctx, 'Account', 'add_alias', { alias_info: patchOf(c.body, 'i_master_account', id(c, 0)) });
      return { ...r, i_master_account: id(c, 0), id: c.body.id ?? null };
    },
  },
  {
    method: 'DELETE', path: /^\/accounts\/(\d{1,15})\/aliases\/(\d{1,15})$/,
    run: (api, c) => api.invoke(c.ctx, 'Account', 'delete_alias', { alias_info: { i_master_account: id(c, 0), i_alias: id(c, 1) } }),
  },
  { method: 'GET', path: /^\/invoices\/(\d{1,15})$/, run: (api, c) => api.invoke(c.ctx, 'Invoice', 'get_invoice_info', { i_invoice: id(c, 0) }).invoice_info as JsonObject },
];

function reply(status: number, value: unknown): SimHttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

/** An ESPF failure: the HTTP status carries the outcome, the body the PortaBilling fault. */
export function espfFault(f: ApiFault): SimHttpResponse {
  return reply(espfStatusOf(f.faultcode), f.toJSON());
}

function bodyOf(req: SimHttpRequest): JsonObject {
  const text = req.body.toString('utf8');
  if (text.trim() === '') return {};
  const ct = (req.headers['content-type'] ?? '').toLowerCase();
  if (ct !== '' && !ct.startsWith('application/json')) throw simFault('badRequest', `ESPF bodies are application/json, got "${ct.slice(0, 60)}"`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw simFault('badRequest', `The body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw simFault('badRequest', 'The body must be a JSON object');
  return v as JsonObject;
}

/**
 * `GET|POST|PUT|DELETE /espf/v1/...` on one realm listener, authenticated by
 * `Authorization: Bearer <access_token>` from a normal `Session/login`. Success is 200 (201 for
 * creations) with the record as JSON; failures are HTTP 4xx/5xx with `{"faultcode","faultstring"}`.
 */
export function espfRoute(api: SimApi, realm: Realm): SimHttpRoute {
  return {
    name: `espf:${realm}`,
    matches: (_method, rawPath) => rawPath === ESPF_BASE || rawPath.startsWith(`${ESPF_BASE}/`),
    fault: espfFault,
    handle(req: SimHttpRequest): SimHttpResponse {
      try {
        const sub = req.rawPath.slice(ESPF_BASE.length).replace(/\/+$/, '');
        const candidates = ESPF_ENDPOINTS.filter((e) => e.path.test(sub));
        if (candidates.length === 0) throw simFault('unknownMethod', `No ESPF endpoint ${sub.slice(0, 100) || '/'}`);
        const endpoint = candidates.find((e) => e.method === req.method);
        if (!endpoint) {
          return reply(405, { faultcode: 'Client.method_not_allowed', faultstring: `${req.method.slice(0, 10)} is not allowed on ${ESPF_BASE}${sub}; allowed: ${candidates.map((e) => e.method).join(', ')}` });
        }
        const auth = req.headers.authorization;
        const m = typeof auth === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
        if (!m?.[1]) throw simFault('authFailed', 'ESPF calls need Authorization: Bearer <access_token>');
        const credentials: CallCredentials = { accessToken: m[1] };
        const { principal, session } = api.sys.sessions.resolve(credentials, realm, req.clientIp);
        const ctx: SimCallContext = { realm: principal.realm, user: principal, clientIp: req.clientIp, ...(session ? { sessionId: session.id } : {}) };
        const ids = (endpoint.path.exec(sub) ?? []).slice(1).map(Number);
        const body = req.method === 'POST' || req.method === 'PUT' ? bodyOf(req) : {};
        const value = endpoint.run(api, { ctx, ids, body, query: req.query });
        return reply(endpoint.created === true ? 201 : 200, value);
      } catch (err) {
        if (isApiFault(err)) return espfFault(err);
        return espfFault(simFault('internal', `Internal error: ${err instanceof Error ? err.message : String(err)}`));
      }
    },
  };
}
