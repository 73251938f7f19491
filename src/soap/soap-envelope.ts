import { ApiFault, PortaFaultCode } from '../core/faults.ts';
import type { JsonObject, JsonValue, Realm } from '../core/api-call.ts';
import { childByLocalName, parseXml } from './safe-xml.ts';
import type { XmlElement, XmlLimits } from './safe-xml.ts';
import { decodeStruct, decodeValue } from './soap-values.ts';
import { SOAP_ENV_NS, parseEndpointName } from '../core/soap-names.ts';

/** A SOAP 1.1 request decoded into what the REST codec also produces. */
export interface SoapRequest {
  /** `Customer`, `Session`, … */
  service: string;
  /** The operation element's local name: `get_customer_info`. */
  method: string;
  params: JsonObject;
  /** The `auth_info` header as sent (may carry i_env); `{}` without one. */
  authInfo: JsonObject;
  /** `auth_info/session_id`. */
  sessionId?: string;
  /** `auth_info` {login, password|token}: a one-shot authenticated call. */
  auth?: { login: string; password?: string; token?: string };
  /** The old positional `login(login, password)`: the reply must be the session id as a string. */
  positionalLogin?: true;
  /** Namespace of the operation element, echoed on the reply's `<ns1:…Response>`. */
  namespace: string;
  /** Realm named by the endpoint (`/soap/CustomerAdminService` → admin), when it names one. */
  endpointRealm?: Realm;
}

export interface SoapRequestContext {
  /** The `SOAPAction` header as received (quoted or not), if any. */
  soapAction?: string | undefined;
  /** Request path: `/soap/CustomerAdminService`, `/soap/Customer/get_customer_info`, `/soap`. */
  path: string;
  limits?: XmlLimits;
}

const SOAP12_ENV_NS = 'http://www.w3.org/2003/05/soap-envelope';
const WRAPPER_NAMES = new Set(['params', 'parameters', 'param0', 'arg0', 'request']);
const LOGIN_KEYS = ['login', 'user', 'token', 'password'];

function requestFault(message: string): ApiFault {
  return new ApiFault(PortaFaultCode.badRequest, message);
}

function isIdentifier(s: string): boolean {
  if (s.length === 0 || s.length > 64) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (i > 0 && c >= 0x30 && c <= 0x39);
    if (!ok) return false;
  }
  return true;
}

interface PathInfo { service?: string; method?: string; realm?: Realm }

/** Parses `/soap/<Endpoint>`, `/soap/<Service>/<method>` (trailing `/` and query allowed). */
export function parseSoapPath(path: string): PathInfo {
  const q = path.indexOf('?');
  const clean = q >= 0 ? path.slice(0, q) : path;
  const segments = clean.split('/').filter((s) => s !== '');
  if (segments[0] !== 'soap') throw requestFault(`SOAP requests are posted to /soap/<Service>…; got path "${clean.slice(0, 100)}"`);
  if (segments.length > 3) throw requestFault(`Unknown SOAP path "${clean.slice(0, 100)}"`);
  const out: PathInfo = {};
  const endpoint = segments[1];
  if (endpoint !== undefined) {
    if (!isIdentifier(endpoint)) throw requestFault(`Bad SOAP service name "${endpoint.slice(0, 64)}" in the path`);
    const parsed = parseEndpointName(endpoint);
    out.service = parsed.service;
    if (parsed.realm !== undefined) out.realm = parsed.realm;
  }
  const method = segments[2];
  if (method !== undefined) {
    if (!isIdentifier(method)) throw requestFault(`Bad SOAP method name "${method.slice(0, 64)}" in the path`);
    out.method = method;
  }
  return out;
}

/** `"https://host/Porta/SOAP/Customer#get_customer_info"` → Customer, get_customer_info. */
export function parseSoapAction(header: string): { service?: string; operation?: string } {
  let v = header.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
  const out: { service?: string; operation?: string } = {};
  if (v === '') return out;
  const hash = v.lastIndexOf('#');
  const ns = hash >= 0 ? v.slice(0, hash) : v;
  if (hash >= 0) {
    const op = v.slice(hash + 1);
    if (op !== '') out.operation = op;
  }
  const service = serviceFromNamespace(ns);
  if (service !== undefined) out.service = service;
  return out;
}

/** `https://host/Porta/SOAP/Customer` → Customer (the last path segment, if an identifier). */
function serviceFromNamespace(ns: string): string | undefined {
  const cut = Math.max(ns.lastIndexOf('/'), ns.lastIndexOf(':'));
  const last = ns.slice(cut + 1);
  return isIdentifier(last) ? parseEndpointName(last).service : undefined;
}

function scalarString(v: JsonValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function envelopeChild(el: XmlElement, localName: string): XmlElement | undefined {
  return el.children.find((c) => c.localName === localName && c.namespace === SOAP_ENV_NS);
}

function xsiTypeLocalName(el: XmlElement): string {
  const type = el.attributes.find((a) => a.localName === 'type' && a.namespace.endsWith('XMLSchema-instance'))?.value ?? '';
  return type.slice(type.indexOf(':') + 1);
}

function isWrapper(child: XmlElement): boolean {
  if (WRAPPER_NAMES.has(child.localName) || child.localName.endsWith('Request')) return true;
  const local = xsiTypeLocalName(child);
  return local.endsWith('Request') || local === 'Map';
}

/**
 * Where an operation's params are, as {@link decodeSoapRequest} reads them: inside one wrapper
 * element (a struct, or PHP's untyped Map), or the operation's own children (parts).
 */
export function paramsShape(op: XmlElement): 'struct-wrapper' | 'map-wrapper' | 'parts' {
  const kids = op.children;
  if (kids.length === 1 && isWrapper(kids[0]!)) return xsiTypeLocalName(kids[0]!) === 'Map' ? 'map-wrapper' : 'struct-wrapper';
  return 'parts';
}

function decodeParams(op: XmlElement, method: string): { params: JsonObject; positional: boolean } {
  const kids = op.children;
  if (kids.length === 1 && isWrapper(kids[0]!)) {
    const wrapped = kids[0]!;
    // A struct wrapper is read as a struct even when its fields repeat one name; a PHP Map
    // (`$client->op(['k' => v])` without a WSDL) or an empty/nil wrapper as a value.
    const value = wrapped.children.length === 0 || xsiTypeLocalName(wrapped) === 'Map'
      ? decodeValue(wrapped, `/${method}/${wrapped.localName}`)
      : decodeStruct(wrapped.children, `/${method}`);
    if (value === null || value === '') return { params: {}, positional: false };
    if (typeof value !== 'object' || Array.isArray(value)) throw requestFault(`The parameters of ${method} must be a struct; got ${Array.isArray(value) ? 'an array' : typeof value}`);
    return { params: value, positional: false };
  }
  const params = decodeStruct(kids, `/${method}`);
  if (method === 'login' && kids.length > 0 && !LOGIN_KEYS.some((k) => Object.hasOwn(params, k))) {
    // login(login, password) with positional parts (param0/param1, c-gensym…): by position.
    const values = kids.map((k) => decodeValue(k, `/${method}/${k.localName}`));
    const login = scalarString(values[0]);
    const password = scalarString(values[1]);
    if (login === undefined || values.length > 2) throw requestFault('login expects a struct {login, password|token} or two positional strings (login, password)');
    return { params: password === undefined ? { login } : { login, password }, positional: true };
  }
  return { params, positional: false };
}

/**
 * Decodes a SOAP 1.1 rpc/encoded request: the operation, its params as JSON, and the
 * `auth_info` header (matched by local name, in any or no namespace).
 * @throws ApiFault `Client.bad_request` with a message saying what and where.
 */
export function decodeSoapRequest(body: Uint8Array | string, ctx: SoapRequestContext): SoapRequest {
  const pathInfo = parseSoapPath(ctx.path);
  const action = ctx.soapAction === undefined ? {} : parseSoapAction(ctx.soapAction);
  const root = parseXml(body, ctx.limits);
  if (root.localName !== 'Envelope' || root.namespace !== SOAP_ENV_NS) {
    if (root.localName === 'Envelope' && root.namespace === SOAP12_ENV_NS) throw requestFault('SOAP 1.2 envelopes are not supported: send SOAP 1.1 (namespace http://schemas.xmlsoap.org/soap/envelope/)');
    throw requestFault(`Expected a SOAP 1.1 Envelope; the root element is <${root.name}>${root.namespace ? ` in namespace ${root.namespace}` : ''}`);
  }
  const bodyEl = envelopeChild(root, 'Body');
  if (bodyEl === undefined) throw requestFault('The SOAP Envelope has no Body');
  const op = bodyEl.children[0];
  if (op === undefined) throw requestFault('The SOAP Body names no operation');
  const method = op.localName;
  if (!isIdentifier(method)) throw requestFault(`Bad SOAP operation name "${method.slice(0, 64)}"`);
  if (pathInfo.method !== undefined && pathInfo.method !== method) throw requestFault(`The path names method ${pathInfo.method} but the SOAP Body calls ${method}`);
  if (action.operation !== undefined && action.operation !== method) throw requestFault(`SOAPAction names operation ${action.operation} but the SOAP Body calls ${method}`);
  if (pathInfo.service !== undefined && action.service !== undefined && pathInfo.service !== action.service) {
    throw requestFault(`The path names service ${pathInfo.service} but SOAPAction names ${action.service}`);
  }
  const service = pathInfo.service ?? action.service ?? serviceFromNamespace(op.namespace);
  if (service === undefined) throw requestFault(`Cannot tell the service of ${method}: post to /soap/<Service>/<method> or send SOAPAction "<namespace>#<method>"`);

  const { params, positional } = decodeParams(op, method);
  const out: SoapRequest = { service, method, params, authInfo: {}, namespace: op.namespace };
  if (positional) out.positionalLogin = true;
  if (pathInfo.realm !== undefined) out.endpointRealm = pathInfo.realm;

  const header = envelopeChild(root, 'Header');
  const authEl = header === undefined ? undefined : childByLocalName(header, 'auth_info');
  if (authEl !== undefined) {
    const decoded = authEl.children.length === 0 && authEl.text.trim() === '' ? {} : decodeValue(authEl, '/Header/auth_info');
    if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) throw requestFault('The auth_info header must be a struct (session_id, or login with password or token)');
    out.authInfo = decoded;
    const sessionId = scalarString(decoded.session_id);
    if (sessionId !== undefined) out.sessionId = sessionId;
    const login = scalarString(decoded.login) ?? scalarString(decoded.user);
    if (login !== undefined) {
      const auth: NonNullable<SoapRequest['auth']> = { login };
      const password = scalarString(decoded.password);
      const token = scalarString(decoded.token);
      if (password !== undefined) auth.password = password;
      if (token !== undefined) auth.token = token;
      out.auth = auth;
    }
  }
  return out;
}
