import type { TLSSocket } from 'node:tls';
import { text as readText } from 'node:stream/consumers';
import type { ApiCall, CallCredentials, JsonObject, JsonValue, Realm } from '../core/api-call.ts';
import type { CallPipeline } from '../execution/pipeline.ts';
import { isBodyPieces, type Reply } from '../core/reply.ts';
import type { Logger } from '../core/logger.ts';
import type { XmlLimits } from '../soap/safe-xml.ts';
import { writeReply, type SoapFront, type SoapRequestIn, type SoapResult, type SoapServed } from './api-handler.ts';
import { soapForward } from '../soap/soap-forward.ts';
import type { ApiFault } from '../core/faults.ts';
import { dispatcherFault, isApiFault } from '../core/faults.ts';
import { decodeSoapRequest } from '../soap/soap-envelope.ts';
import { encodeSoapFault, encodeSoapReply } from '../soap/soap-reply.ts';
import type { SoapHttpReply } from '../soap/soap-reply.ts';
import { withOrigin, type WsdlSource } from './system-wsdls.ts';
import { parseEndpointName, parseWsdlFileName, soapEndpointName, soapNamespace } from '../core/soap-names.ts';

/** Options of {@link createSoapFront}. */
export interface SoapFrontOptions {
  /**
   * Public origin of each realm listener (`https://api.example.com:8444`), written into the WSDLs'
   * endpoint address. Default: the origin the client used, from its Host header (validated).
   */
  publicUrls?: Partial<Record<Realm, string>>;
  /** Parser caps over {@link SOAP_XML_LIMITS}. */
  xmlLimits?: XmlLimits;
  /** Where unexpected errors are logged (with their stack) before becoming a SOAP fault. */
  logger?: Logger;
  /** The systems' own WSDLs, served with the dispatcher's addresses. */
  wsdls: WsdlSource;
}


/**
 * Default parser caps of the SOAP front. The parser makes one pass without regular expressions or
 * entity expansion, so its time is linear in bytes and elements: capping both caps parse time
 * (bench/soap-latency.ts prints the worst case). Real requests are far smaller: a PHP
 * `update_customer` is ~1 KB and ~40 elements; the REST body limit still applies first.
 */
export const SOAP_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({ maxBytes: 1024 * 1024, maxElements: 20_000, maxDepth: 32 });

/** Reply headers of the pipeline that describe the dispatcher's answer and stay on a SOAP reply. */
const KEPT_HEADER_PREFIX = 'x-webdispatcher-';

/** A Host header we are willing to echo into a WSDL: `name[:port]` or `[v6][:port]`, nothing else. */
const HOST_HEADER = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;

function isJsonObject(v: unknown): v is Record<string, JsonValue> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * PHP's SoapClient encodes a header its WSDL does not declare (a script whose `SoapHeader`
 * namespace names the old PortaBilling host, not the dispatcher's) as an untyped Map:
 * `<auth_info><item><key>session_id</key><value>…</value></item></auth_info>`. Read it as the struct it means.
 */
function normaliseAuthInfo(authInfo: JsonObject): JsonObject {
  const item = authInfo.item;
  if (item === undefined || Object.keys(authInfo).length !== 1) return authInfo;
  const out: JsonObject = {};
  for (const entry of Array.isArray(item) ? item : [item]) {
    if (!isJsonObject(entry) || typeof entry.key !== 'string') return authInfo;
    out[entry.key] = entry.value ?? null;
  }
  return out;
}

function scalar(v: JsonValue | undefined): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** auth_info → credentials: the dispatcher session id (never forwarded), or one-shot login + password|token. */
function credentialsOf(authInfo: JsonObject): CallCredentials {
  const c: CallCredentials = {};
  const sessionId = scalar(authInfo.session_id);
  if (sessionId !== undefined) c.sessionId = sessionId;
  const login = scalar(authInfo.login) ?? scalar(authInfo.user);
  if (login !== undefined) {
    c.login = login;
    const password = scalar(authInfo.password);
    const token = scalar(authInfo.token);
    if (password !== undefined) c.password = password;
    if (token !== undefined) c.token = token;
  }
  return c;
}

/** The dispatcher's own replies (Session, merged lists, broadcasts, mirrored writes) are JSON; a forwarded call's are not. */
function isJsonReply(reply: Reply): boolean {
  return (reply.headers['content-type'] ?? '').includes('json');
}

async function bodyText(reply: Reply): Promise<string> {
  const body = reply.body;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return isBodyPieces(body) ? Buffer.concat(body).toString('utf8') : readText(body);
}

/**
 * The SOAP face of the dispatcher (SPEC §3, issues 5 and 16). An envelope is decoded just enough
 * to route it (operation, auth_info, locator fields) into the `ApiCall` the REST codec also makes,
 * and run by the same call pipeline. A call for one system is forwarded to that system's SOAP
 * endpoint as the client framed it (only auth_info changes) and its reply, fault or attachment
 * comes back byte for byte; what the dispatcher answers itself (Session, merged lists,
 * broadcasts, mirrored writes) is JSON from the pipeline, encoded here as SOAP 1.1 with backend
 * faults' faultcode and faultstring untouched. WSDLs are the systems' own, with the dispatcher's addresses.
 *
 * Paths: `POST /soap/<Service>/<method>`, `POST /soap/<Service><Realm>Service` (+ SOAPAction),
 * `GET /wsdl/<file>`, `GET /soap/<Service><Realm>Service?wsdl`.
 */
export function createSoapFront(pipeline: CallPipeline, options: SoapFrontOptions): SoapFront {
  const limits: XmlLimits = { ...SOAP_XML_LIMITS, ...options.xmlLimits };

  /** The origin clients reach this listener at: configured, else the Host they used, else the socket. */
  const originOf = (req: SoapRequestIn, realm: Realm): string => {
    const configured = options.publicUrls?.[realm];
    if (configured !== undefined) return configured;
    const host = req.headers.host;
    if (typeof host === 'string' && HOST_HEADER.test(host)) return `${req.socketOrigin?.startsWith('https:') === true ? 'https' : 'http'}://${host}`;
    return req.socketOrigin ?? 'http://localhost';
  };

  const served = (reply: SoapHttpReply, extra: Record<string, string> = {}): SoapServed =>
    ({ status: reply.status, headers: { ...extra, 'content-type': reply.contentType }, body: reply.body });

  const wsdl = async (req: SoapRequestIn, fileName: string, realm: Realm, requestId: string): Promise<{ reply: SoapServed; result: SoapResult }> => {
    const target = parseWsdlFileName(fileName);
    if (fileName.endsWith('.wsdl') && target === undefined) throw dispatcherFault('notFound', `No such WSDL: ${fileName.slice(0, 100)} (try ${soapEndpointName('Customer', realm)}.wsdl)`, { httpStatus: 404 });
    if (target !== undefined && target.realm !== realm) {
      throw dispatcherFault('notFound', `${fileName.slice(0, 100)} describes the ${target.realm} realm; this listener serves the ${realm} realm: ${soapEndpointName(target.service, realm)}.wsdl`, { httpStatus: 404 });
    }
    const service = target?.service ?? fileName;
    const system = await options.wsdls.get(realm, fileName, requestId);
    return {
      reply: served({ status: 200, contentType: system.contentType, body: withOrigin(system.text, originOf(req, realm)) }, { 'cache-control': 'no-store' }),
      result: { status: 200, service, method: 'wsdl', plan: 'wsdl', systems: [system.system] },
    };
  };

  const serve: SoapFront['serve'] = async (req, ctx) => {
    const url = req.url;
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    let service = '';
    let method = '';
    let call: ApiCall | undefined;
    try {
      if (req.method === 'GET' && path.startsWith('/wsdl/')) return await wsdl(req, path.slice('/wsdl/'.length), ctx.realm, ctx.requestId);
      if (req.method === 'GET' && q >= 0 && new URLSearchParams(url.slice(q + 1)).has('wsdl')) {
        const last = path.split('/').filter((s) => s !== '').at(-1) ?? '';
        return await wsdl(req, `${soapEndpointName(parseEndpointName(last).service, ctx.realm)}.wsdl`, ctx.realm, ctx.requestId);
      }
      if (req.method !== 'POST' || req.body === undefined) {
        throw dispatcherFault('methodNotAllowed', `SOAP calls are POSTed; got ${req.method.slice(0, 20)} ${path.slice(0, 100)}`, { httpStatus: 405 });
      }
      const body = req.body;
      const soapAction = typeof req.headers.soapaction === 'string' ? req.headers.soapaction : undefined;
      const decoded = decodeSoapRequest(body, { path, soapAction, limits });
      service = decoded.service;
      method = decoded.method;
      const authInfo = normaliseAuthInfo(decoded.authInfo);
      call = {
        realm: ctx.realm, service, method, params: decoded.params, authInfo, credentials: credentialsOf(authInfo),
        style: 'soap', portasip: false, clientIp: ctx.clientIp, requestId: ctx.requestId,
      };
      const contentType = typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : undefined;
      const envelope = soapForward({ body, path, contentType, soapAction, limits });
      const reply = await pipeline.execute(call, { envelope });
      const login = call.login ?? call.credentials.login;
      if (!isJsonReply(reply)) {
        // Forwarded as SOAP: the backend's reply (a result, a fault, an attachment) as it came.
        const faultcode = reply.status !== 200 && typeof reply.body === 'string' ? envelope.faultOf(reply.body)?.faultcode : undefined;
        return { reply: { status: reply.status, headers: reply.headers, body: reply.body }, result: { status: reply.status, service, method, plan: reply.plan, systems: reply.systems, login, faultcode } };
      }
      const namespace = decoded.namespace !== '' ? decoded.namespace : soapNamespace(new URL(originOf(req, ctx.realm)).hostname, service);
      const kept: Record<string, string> = {};
      for (const [k, v] of Object.entries(reply.headers)) if (k.toLowerCase().startsWith(KEPT_HEADER_PREFIX)) kept[k] = v;
      const soap = await encodeReply(reply, method, namespace, decoded.positionalLogin === true);
      return { reply: served(soap, kept), result: { status: soap.status, service, method, plan: reply.plan, systems: reply.systems, login } };
    } catch (err) {
      let fault: ApiFault;
      if (isApiFault(err)) fault = err;
      else {
        fault = dispatcherFault('internal', 'Internal error', { cause: err });
        options.logger?.error('unexpected error in the SOAP front', { requestId: ctx.requestId, error: err instanceof Error ? err.stack ?? err.message : String(err) });
      }
      const reply = encodeSoapFault(fault);
      // SOAP 1.1 sends faults with 500; a missing WSDL or a wrong HTTP method keeps its own status.
      const status = fault.httpStatus === 404 || fault.httpStatus === 405 ? fault.httpStatus : reply.status;
      return { reply: served({ ...reply, status }), result: { status, service, method, plan: '', systems: [], login: call?.login ?? call?.credentials.login, faultcode: fault.faultcode } };
    }
  };

  return {
    handles(path: string): boolean {
      return path === '/soap' || path.startsWith('/soap/') || path.startsWith('/wsdl/');
    },
    serve,
    async handle(req, res, body, ctx) {
      const scheme = (req.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http';
      const addr = req.socket.localAddress ?? '127.0.0.1';
      const socketOrigin = `${scheme}://${addr.includes(':') ? `[${addr}]` : addr}:${req.socket.localPort ?? 80}`;
      const { reply, result } = await serve({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body, socketOrigin }, ctx);
      await writeReply(res, { ...reply, plan: result.plan, systems: [] }, ctx.requestId);
      return result;
    },
  };
}

/**
 * The pipeline answers in REST form (JSON, 200 or a fault status). A success becomes the SOAP
 * response; a fault becomes a SOAP Fault carrying the backend's (or dispatcher's) faultcode and
 * faultstring untouched.
 */
async function encodeReply(reply: Reply, method: string, namespace: string, positionalLogin: boolean): Promise<SoapHttpReply> {
  const text = await bodyText(reply);
  const contentType = reply.headers['content-type'] ?? '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (reply.status === 200) {
    if (json === undefined) {
      throw dispatcherFault('unsupportedMediaType', `${method} answered with ${contentType.slice(0, 60) || 'a body'} that is not JSON; use the REST API for this method`);
    }
    return encodeSoapReply(method, json as JsonValue, { namespace, positionalLogin });
  }
  if (isJsonObject(json) && typeof json.faultcode === 'string') {
    return encodeSoapFault({ faultcode: json.faultcode, faultstring: typeof json.faultstring === 'string' ? json.faultstring : '' });
  }
  throw dispatcherFault('backendUnavailable', `The backend answered ${method} with HTTP ${reply.status} and no SOAP-encodable fault`);
}
