import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { ApiCall, Realm } from '../core/api-call.ts';
import type { CallPipeline } from '../execution/pipeline.ts';
import type { RawRequestBody } from '../execution/raw-request-body.ts';
import { isBodyPieces, type Reply } from '../core/reply.ts';
import type { Logger } from '../core/logger.ts';
import type { CounterSeries, HistogramSeries, Metrics } from '../core/metrics.ts';
import type { IpAllowList } from '../core/ip-allow.ts';
import type { ApiFault} from '../core/faults.ts';
import { dispatcherFault, isApiFault } from '../core/faults.ts';
import { readBody } from './body-limit.ts';
import { decodeRestRequest, encodeRestFault, type RestRequest } from './rest-codec.ts';
import { decodeEspfRequest, ESPF_PREFIX } from './espf-codec.ts';
import type { LeanReply, LeanRequest, LeanRoutes } from '../http/lean-server.ts';
import { encodeSoapFault } from '../soap/soap-reply.ts';
import { ClientAddress } from '../core/client-address.ts';
import { requestIdOf } from '../core/request-id.ts';

/** A SOAP front (the SOAP codec) plugs in here; REST needs nothing else. */
export interface SoapFront {
  handles(path: string): boolean;
  /** A SOAP request read by either face, answered as a reply to write (never throws). */
  serve(req: SoapRequestIn, ctx: SoapContext): Promise<{ reply: SoapServed; result: SoapResult }>;
  /** The node:http face: {@link serve}, then the reply written to `res`. */
  handle(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined, ctx: SoapContext): Promise<SoapResult>;
}

export interface SoapContext { realm: Realm; clientIp: string; requestId: string }

/** What the SOAP front needs of a request, whichever server read it. */
export interface SoapRequestIn {
  method: string;
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Undefined for a GET (a WSDL). */
  body: Buffer | undefined;
  /** The origin the client reached when it sent no Host header (node:http knows its socket). */
  socketOrigin: string | undefined;
}

export interface SoapServed {
  status: number;
  headers: Record<string, string>;
  body: Reply['body'];
}

/** What the call log and the metrics record of a SOAP call. */
export interface SoapResult { status: number; service: string; method: string; plan: string; systems: string[]; login?: string | undefined; faultcode?: string | undefined }

export interface ApiHandlerDeps {
  pipeline: CallPipeline;
  logger: Logger;
  metrics: Metrics;
  allow: IpAllowList;
  /** Reads the client's address (X-Forwarded-For from trusted proxies); default: the socket peer. */
  clientAddress?: ClientAddress;
  bodyLimit: number;
  soap?: SoapFront;
  apiDocs?: (req: IncomingMessage, res: ServerResponse, ctx: { realm: Realm; requestId: string }) => Promise<number>;
  /** Told of every call that ended in a fault (the console's last faults). */
  onFault?: (fault: CallFault) => void;
}

/** A call that ended in a fault, as the console lists it. */
export interface CallFault {
  at: number;
  requestId: string;
  listener: string;
  method?: string;
  status: number;
  faultcode?: string;
  systems: readonly string[];
}

export async function writeReply(res: ServerResponse, reply: Reply, requestId: string): Promise<void> {
  res.statusCode = reply.status;
  const headers = reply.headers;
  for (const k in headers) res.setHeader(k, headers[k]!);
  res.setHeader('x-request-id', requestId);
  if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) {
    res.setHeader('content-length', Buffer.byteLength(reply.body));
    res.end(reply.body);
    return;
  }
  if (isBodyPieces(reply.body)) {
    const pieces = reply.body;
    let length = 0;
    for (const piece of pieces) length += piece.length;
    res.setHeader('content-length', length);
    // Corked: the head and the pieces leave together.
    res.cork();
    for (const piece of pieces) res.write(piece);
    res.end();
    res.uncork();
    return;
  }
  // pipe() rather than stream.pipeline(): pipeline allocates an AbortController and a DOMException
  // per call, a measurable share of the hot path.
  const body = reply.body as Readable;
  await new Promise<void>((resolve) => {
    body.once('error', (err) => {
      res.destroy(err);
      resolve();
    });
    res.once('close', () => {
      if (!body.readableEnded) body.destroy();
      resolve();
    });
    body.pipe(res);
  });
}

export function writeFault(res: ServerResponse, fault: ApiFault, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const f = encodeRestFault(fault);
  res.statusCode = f.status;
  for (const [k, v] of Object.entries(f.headers)) res.setHeader(k, v);
  res.setHeader('x-request-id', requestId);
  res.setHeader('content-length', Buffer.byteLength(f.body));
  // The rest of a body over the limit is not worth reading: answer, then close the connection.
  if (fault.httpStatus === 413) res.setHeader('connection', 'close');
  res.end(f.body);
}

function writeSoapFault(res: ServerResponse, fault: ApiFault, requestId: string): void {
  const f = encodeSoapFault(fault);
  res.statusCode = fault.httpStatus === 500 ? f.status : fault.httpStatus;
  res.setHeader('content-type', f.contentType);
  res.setHeader('x-request-id', requestId);
  res.setHeader('content-length', Buffer.byteLength(f.body));
  res.end(f.body);
}

/** What one call leaves for its log line and metrics. */
interface CallRecord {
  started: number;
  requestId: string;
  service: string;
  method: string;
  plan: string;
  systems: string[];
  status: number;
  faultcode: string | undefined;
  clientIp: string;
  /** The decoded call, once there is one: its login (credentials or session) goes into the log line. */
  call: ApiCall | undefined;
  /** A SOAP call's login, as the SOAP front reports it. */
  login?: string | undefined;
}

/** The two HTTP faces of one API listener: node:http for everything, the lean server for REST calls. */
export interface ApiHandler {
  node(req: IncomingMessage, res: ServerResponse): Promise<void>;
  lean: LeanRoutes;
}

/**
 * One API listener (a realm, or the PortaSIP API): reads the body within its limit, decodes it
 * with the REST (or SOAP) codec, runs it, writes the reply, logs one line. REST calls run the same
 * code on both faces; SOAP, the API docs and anything the lean server declines use node:http.
 */
export function createApiHandler(realm: Realm, portasip: boolean, deps: ApiHandlerDeps): ApiHandler {
  const listener = portasip ? 'portasip' : realm;
  const clientAddress = deps.clientAddress ?? new ClientAddress([]);
  // Series resolved once per (plan kind, status) and per system: no label sorting per call.
  const callSeries = new Map<string, CounterSeries>();
  const systemSeries = new Map<string, { calls: CounterSeries; faults: CounterSeries; latency: HistogramSeries }>();
  const latency = deps.metrics.histogram('webdispatcher_call_seconds', 'API call latency', { listener });
  const logCalls = deps.logger.enabled?.('info') ?? true;
  const countCall = (plan: string, status: number): void => {
    const colon = plan.indexOf(':');
    const kind = colon < 0 ? plan : plan.slice(0, colon);
    const k = `${kind} ${status}`;
    let series = callSeries.get(k);
    if (series === undefined) {
      series = deps.metrics.counter('webdispatcher_calls_total', 'API calls by listener, plan and status', { listener, plan: kind, status: String(status) });
      callSeries.set(k, series);
    }
    series.inc();
  };
  const countSystem = (system: string, seconds: number, failed: boolean): void => {
    let series = systemSeries.get(system);
    if (series === undefined) {
      series = {
        calls: deps.metrics.counter('webdispatcher_system_calls_total', 'Backend calls per system', { system }),
        faults: deps.metrics.counter('webdispatcher_system_faults_total', 'Calls that reached a system and ended in a fault', { system }),
        latency: deps.metrics.histogram('webdispatcher_system_call_seconds', 'Latency of calls that reached a system', { system }),
      };
      systemSeries.set(system, series);
    }
    series.calls.inc();
    series.latency.observe(seconds);
    if (failed) series.faults.inc();
  };
  const faultSeries = new Map<string, CounterSeries>();
  const countFault = (code: string): void => {
    let series = faultSeries.get(code);
    if (series === undefined) {
      series = deps.metrics.counter('webdispatcher_faults_total', 'Calls answered with a fault, by listener and fault code', { listener, faultcode: code });
      faultSeries.set(code, series);
    }
    series.inc();
  };
  const record = (requestId: string): CallRecord => ({ started: performance.now(), requestId, service: '', method: '', plan: '', systems: [], status: 500, faultcode: undefined, clientIp: '', call: undefined });
  const finish = (r: CallRecord): void => {
    const ms = performance.now() - r.started;
    countCall(r.plan, r.status);
    const failed = r.status !== 200;
    for (let i = 0; i < r.systems.length; i++) countSystem(r.systems[i]!, ms / 1000, failed);
    latency.observe(ms / 1000);
    if (failed) countFault(r.faultcode ?? `HTTP ${r.status}`);
    if (failed && deps.onFault !== undefined) {
      deps.onFault({ at: Date.now(), requestId: r.requestId, listener, ...(r.service ? { method: `${r.service}/${r.method}` } : {}), status: r.status, ...(r.faultcode === undefined ? {} : { faultcode: r.faultcode }), systems: r.systems });
    }
    if (logCalls) {
      const login = r.call?.login ?? r.call?.credentials.login ?? r.login;
      deps.logger.info('call', { requestId: r.requestId, realm: listener, client: r.clientIp || undefined, login, method: r.service ? `${r.service}/${r.method}` : undefined, plan: r.plan, systems: r.systems, status: r.status, faultcode: r.faultcode, ms: Math.round(ms * 100) / 100 });
    }
  };
  const refuseAddress = (clientIp: string): void => {
    if (!deps.allow.allows(realm, clientIp)) {
      throw dispatcherFault('ipNotAllowed', `Client address ${clientIp} is not allowed to use the ${realm} API`, { httpStatus: 403 });
    }
  };
  const asFault = (err: unknown, r: CallRecord): ApiFault => {
    const fault = isApiFault(err) ? err : dispatcherFault('internal', 'Internal error', { cause: err });
    if (!isApiFault(err)) deps.logger.error('unexpected error', { requestId: r.requestId, error: err instanceof Error ? err.stack ?? err.message : String(err) });
    r.status = fault.httpStatus;
    r.faultcode = fault.faultcode;
    return fault;
  };
  /** A REST call, whichever server read it; the reply is the client's, not yet written. */
  const restCall = async (method: string, url: string, headers: RestRequest['headers'], body: Buffer, clientIp: string, r: CallRecord): Promise<Reply> => {
    const { call, rawParams, multipart } = decodeRestRequest({ method, url, headers, body, clientIp, requestId: r.requestId }, realm, portasip);
    r.call = call;
    r.service = call.service;
    r.method = call.method;
    const raw: RawRequestBody = call.style === 'json' && Object.keys(call.authInfo).length === 0 ? { rawJsonBody: body } : rawParams === undefined ? {} : { rawParams };
    if (multipart !== undefined) raw.multipart = multipart;
    const reply = await deps.pipeline.execute(call, raw);
    r.status = reply.status;
    r.plan = reply.plan;
    r.systems = reply.systems;
    return reply;
  };
  const pathOf = (url: string): string => {
    const q = url.indexOf('?');
    return q < 0 ? url : url.slice(0, q);
  };
  const isSoap = (path: string): boolean => deps.soap !== undefined && !portasip && deps.soap.handles(path);
  const isEspf = (path: string): boolean => !portasip && path.startsWith(ESPF_PREFIX);
  /** An ESPF call: any verb, routed like REST, forwarded to the backend's ESPF API. */
  const espfCall = async (req: IncomingMessage, url: string, body: Buffer, clientIp: string, r: CallRecord): Promise<Reply> => {
    const { call, raw } = decodeEspfRequest({ method: req.method ?? 'GET', url, headers: req.headers, body, clientIp, requestId: r.requestId }, realm);
    r.call = call;
    r.service = call.service;
    r.method = call.method;
    const reply = await deps.pipeline.execute(call, raw);
    r.status = reply.status;
    r.plan = reply.plan;
    r.systems = reply.systems;
    return reply;
  };
  const isDocs = (method: string, path: string): boolean => method === 'GET' && path.startsWith('/doc/api/') && !portasip && deps.apiDocs !== undefined;

  const lean: LeanRoutes = {
    accepts(method, url) {
      if (method === 'HEAD') return false;
      const path = pathOf(url);
      // SOAP calls are served lean too; WSDLs (GET) stay on node:http, which knows its socket's origin.
      if (isSoap(path)) return method === 'POST';
      return !isDocs(method, path) && !isEspf(path);
    },
    async serve(req: LeanRequest): Promise<LeanReply> {
      const requestId = requestIdOf(req.headers);
      const r = record(requestId);
      const soap = isSoap(pathOf(req.url));
      try {
        const clientIp = clientAddress.ofPeer(req.remoteAddress, req.headers['x-forwarded-for']);
        r.clientIp = clientIp;
        refuseAddress(clientIp);
        if (soap) {
          const { reply, result } = await deps.soap!.serve({ method: req.method, url: req.url, headers: req.headers, body: req.body, socketOrigin: undefined }, { realm, clientIp, requestId });
          ({ status: r.status, service: r.service, method: r.method, plan: r.plan, systems: r.systems, login: r.login, faultcode: r.faultcode } = result);
          reply.headers['x-request-id'] = requestId;
          return reply;
        }
        const reply = await restCall(req.method, req.url, req.headers, req.body, clientIp, r);
        const headers = reply.headers;
        headers['x-request-id'] = requestId;
        return { status: reply.status, headers, body: reply.body };
      } catch (err) {
        const fault = asFault(err, r);
        if (soap) {
          // A SOAP client cannot read a JSON fault: refusals made before the SOAP front ran still speak SOAP.
          const f = encodeSoapFault(fault);
          return { status: fault.httpStatus === 500 ? f.status : fault.httpStatus, headers: { 'content-type': f.contentType, 'x-request-id': requestId }, body: f.body };
        }
        const f = encodeRestFault(fault);
        return { status: f.status, headers: { ...f.headers, 'x-request-id': requestId }, body: f.body };
      } finally {
        finish(r);
      }
    },
  };

  const node = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = requestIdOf(req.headers);
    const r = record(requestId);
    const clientIp = clientAddress.of(req);
    r.clientIp = clientIp;
    const url = req.url ?? '/';
    const path = pathOf(url);
    const soap = isSoap(path);
    try {
      try {
        refuseAddress(clientIp);
      } catch (err) {
        req.resume();
        throw err;
      }
      if (soap) {
        const body = req.method === 'POST' ? await readBody(req, deps.bodyLimit) : undefined;
        ({ status: r.status, service: r.service, method: r.method, plan: r.plan, systems: r.systems, login: r.login, faultcode: r.faultcode } = await deps.soap!.handle(req, res, body, { realm, clientIp, requestId }));
        return;
      }
      if (isDocs(req.method ?? 'GET', path)) {
        r.status = await deps.apiDocs!(req, res, { realm, requestId });
        return;
      }
      const body = await readBody(req, deps.bodyLimit);
      if (isEspf(path)) {
        await writeReply(res, await espfCall(req, url, body, clientIp, r), requestId);
        return;
      }
      await writeReply(res, await restCall(req.method ?? 'GET', url, req.headers, body, clientIp, r), requestId);
    } catch (err) {
      const fault = asFault(err, r);
      // A SOAP client cannot read a JSON fault: refusals made before the SOAP front ran still speak SOAP.
      if (soap && !res.headersSent) writeSoapFault(res, fault, requestId);
      else writeFault(res, fault, requestId);
    } finally {
      finish(r);
    }
  };
  return { node, lean };
}

/** WebSocket upgrades are refused with a clear message: PortaBilling's WebSocket API is not supported. */
export function refuseUpgrade(_req: IncomingMessage, socket: Duplex): void {
  const body = JSON.stringify({ faultcode: 'Server.Dispatcher.websocket_not_supported', faultstring: 'WebSocket API is not supported by this dispatcher: use the REST or SOAP API' });
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
