import type { CallCredentials, JsonObject, JsonValue } from '../../core/api-call.ts';
import { SOAP_ENV_NS, parseEndpointName } from '../../core/soap-names.ts';
import { simFault } from '../api/sim-faults.ts';
import { parseSimXml, simChild } from './sim-xml.ts';
import type { SimXmlElement } from './sim-xml.ts';
import { readFields, readValue, xsiType } from './sim-soap-values.ts';

/** A SOAP call as the simulator's API takes it. */
export interface SimSoapCall {
  service: string;
  method: string;
  params: JsonObject;
  credentials: CallCredentials;
  /** The operation element's namespace ('' when none), echoed on the response element. */
  namespace: string;
  /** `login(login, password)` sent as two positional parts: the reply is the bare session id. */
  positionalLogin: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const WRAPPERS = new Set(['params', 'parameters', 'param0', 'arg0', 'request']);

function refuse(message: string): Error {
  return simFault('badRequest', message);
}

/** `/soap/<Endpoint>[/<method>]` → the service and method it names, if any. */
function fromPath(rawPath: string): { service?: string; method?: string } {
  const path = rawPath.split('?')[0]!;
  const [first, endpoint, method, ...rest] = path.split('/').filter((s) => s !== '');
  if (first !== 'soap') throw refuse(`SOAP requests are posted to /soap/<Service>…; got path "${path.slice(0, 100)}"`);
  if (rest.length > 0) throw refuse(`Unknown SOAP path "${path.slice(0, 100)}"`);
  if (endpoint !== undefined && !NAME.test(endpoint)) throw refuse(`Bad SOAP service name "${endpoint.slice(0, 64)}" in the path`);
  if (method !== undefined && !NAME.test(method)) throw refuse(`Bad SOAP method name "${method.slice(0, 64)}" in the path`);
  return { ...(endpoint === undefined ? {} : { service: parseEndpointName(endpoint).service }), ...(method === undefined ? {} : { method }) };
}

/** The service a namespace like `https://host/Porta/SOAP/Customer` ends with. */
function serviceOfNamespace(ns: string): string | undefined {
  const last = ns.split(/[/:]/).at(-1) ?? '';
  return NAME.test(last) ? parseEndpointName(last).service : undefined;
}

/** `"<namespace>#<operation>"`, quoted or not. */
function fromSoapAction(header: string | undefined): { service?: string; method?: string } {
  const v = (header ?? '').trim().replace(/^"(.*)"$/, '$1');
  if (v === '') return {};
  const hash = v.lastIndexOf('#');
  const service = serviceOfNamespace(hash < 0 ? v : v.slice(0, hash));
  const method = hash < 0 ? '' : v.slice(hash + 1);
  return { ...(service === undefined ? {} : { service }), ...(method === '' ? {} : { method }) };
}

function soapChild(el: SimXmlElement, localName: string): SimXmlElement | undefined {
  return el.children.find((c) => c.localName === localName && c.namespace === SOAP_ENV_NS);
}

function asString(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** A single wrapper part (`<params>`, `<GetCustomerInfoRequest>`, a PHP Map) holding the params. */
function wrapper(op: SimXmlElement): SimXmlElement | undefined {
  const only = op.children.length === 1 ? op.children[0]! : undefined;
  if (only === undefined) return undefined;
  const type = xsiType(only)?.local ?? '';
  return WRAPPERS.has(only.localName) || only.localName.endsWith('Request') || type.endsWith('Request') || type === 'Map' ? only : undefined;
}

function readParams(op: SimXmlElement, method: string): { params: JsonObject; positional: boolean } {
  const wrapped = wrapper(op);
  if (wrapped !== undefined) {
    // A struct wrapper is read field by field even when one name repeats; a Map or an empty wrapper as a value.
    const value = wrapped.children.length === 0 || xsiType(wrapped)?.local === 'Map' ? readValue(wrapped, `/${method}/${wrapped.localName}`) : readFields(wrapped.children, `/${method}`);
    if (value === null || value === '') return { params: {}, positional: false };
    if (typeof value !== 'object' || Array.isArray(value)) throw refuse(`The parameters of ${method} must be a struct; got ${Array.isArray(value) ? 'an array' : typeof value}`);
    return { params: value, positional: false };
  }
  const params = readFields(op.children, `/${method}`);
  const named = ['login', 'user', 'token', 'password'].some((k) => Object.hasOwn(params, k));
  if (method !== 'login' || op.children.length === 0 || named) return { params, positional: false };
  const [login, password, ...more] = op.children.map((c) => asString(readValue(c, `/login/${c.localName}`)));
  if (login === undefined || more.length > 0) throw refuse('login expects a struct {login, password|token} or two positional strings (login, password)');
  return { params: password === undefined ? { login } : { login, password }, positional: true };
}

function readCredentials(header: SimXmlElement | undefined): CallCredentials {
  const auth = header === undefined ? undefined : simChild(header, 'auth_info');
  if (auth === undefined || (auth.children.length === 0 && auth.text.trim() === '')) return {};
  const info = readValue(auth, '/Header/auth_info');
  if (info === null || typeof info !== 'object' || Array.isArray(info)) throw refuse('The auth_info header must be a struct (session_id, or login with password or token)');
  const credentials: CallCredentials = {};
  const sessionId = asString(info.session_id);
  const login = asString(info.login) ?? asString(info.user);
  const password = asString(info.password);
  const token = asString(info.token);
  if (sessionId !== undefined) credentials.sessionId = sessionId;
  if (login !== undefined) {
    credentials.login = login;
    if (password !== undefined) credentials.password = password;
    if (token !== undefined) credentials.token = token;
  }
  return credentials;
}

/**
 * Reads a SOAP 1.1 rpc/encoded call: the service from the path, SOAPAction or the operation's
 * namespace (all that are given must agree), the operation, its params and `auth_info`.
 * @throws ApiFault `Client.bad_request` saying what is wrong.
 */
export function readSimSoapCall(body: Uint8Array | string, rawPath: string, soapAction: string | undefined): SimSoapCall {
  const path = fromPath(rawPath);
  const action = fromSoapAction(soapAction);
  const root = parseSimXml(body);
  if (root.localName !== 'Envelope' || root.namespace !== SOAP_ENV_NS) {
    if (root.localName === 'Envelope' && root.namespace === 'http://www.w3.org/2003/05/soap-envelope') throw refuse('SOAP 1.2 envelopes are not supported: send SOAP 1.1 (namespace http://schemas.xmlsoap.org/soap/envelope/)');
    throw refuse(`Expected a SOAP 1.1 Envelope; the root element is <${root.qname.slice(0, 60)}>${root.namespace === '' ? '' : ` in namespace ${root.namespace.slice(0, 100)}`}`);
  }
  const soapBody = soapChild(root, 'Body');
  if (soapBody === undefined) throw refuse('The SOAP Envelope has no Body');
  const op = soapBody.children[0];
  if (op === undefined) throw refuse('The SOAP Body names no operation');
  const method = op.localName;
  if (!NAME.test(method)) throw refuse(`Bad SOAP operation name "${method.slice(0, 64)}"`);
  if (path.method !== undefined && path.method !== method) throw refuse(`The path names method ${path.method} but the SOAP Body calls ${method}`);
  if (action.method !== undefined && action.method !== method) throw refuse(`SOAPAction names operation ${action.method} but the SOAP Body calls ${method}`);
  if (path.service !== undefined && action.service !== undefined && path.service !== action.service) throw refuse(`The path names service ${path.service} but SOAPAction names ${action.service}`);
  const service = path.service ?? action.service ?? serviceOfNamespace(op.namespace);
  if (service === undefined) throw refuse(`Cannot tell the service of ${method}: post to /soap/<Service>/<method> or send SOAPAction "<namespace>#<method>"`);
  const { params, positional } = readParams(op, method);
  return { service, method, params, credentials: readCredentials(soapChild(root, 'Header')), namespace: op.namespace, positionalLogin: positional };
}
