import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex, Readable } from 'node:stream';
import type { Realm } from '../routing/api-call.ts';
import type { Executor } from '../execution/executor.ts';
import type { Reply } from '../execution/reply.ts';
import type { Logger } from '../ops/logger.ts';
import type { CounterSeries, Metrics } from '../ops/metrics.ts';
import type { IpAllowList } from './ip-allow.ts';
import type { ApiFault} from './faults.ts';
import { dispatcherFault, isApiFault } from './faults.ts';
import { readBody } from './body-limit.ts';
import { decodeRestRequest, encodeRestFault } from './rest-codec.ts';
import { encodeSoapFault } from '../soap/soap-reply.ts';
import type { ClientAddress } from './client-address.ts';

/** A SOAP front (the SOAP codec) plugs in here; REST needs nothing else. */
export interface SoapFront {
  handles(path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined, ctx: { realm: Realm; clientIp: string; requestId: string }): Promise<{ status: number; service: string; method: string; plan: string; systems: string[] }>;
}

export interface ApiHandlerDeps {
  executor: Executor;
  logger: Logger;
  metrics: Metrics;
  allow: IpAllowList;
  /** Reads the client's address (X-Forwarded-For from trusted proxies); default: the socket peer. */
  clientAddress?: ClientAddress;
  bodyLimit: number;
  soap?: SoapFront;
  apiDocs?: (req: IncomingMessage, res: ServerResponse, ctx: { realm: Realm; requestId: string }) => Promise<number>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

export function clientIpOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '';
}

export async function writeReply(res: ServerResponse, reply: Reply, requestId: string): Promise<void> {
  res.statusCode = reply.status;
  const headers = reply.headers;
  for (const k in headers) res.setHeader(k, headers[k]!);
  res.setHeader('x-request-id', requestId);
  if (typeof reply.body === 'string') {
    res.setHeader('content-length', Buffer.byteLength(reply.body));
    res.end(reply.body);
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

/**
 * The HTTP face of one API listener (a realm, or the PortaSIP API): reads the body within its
 * limit, decodes it with the REST (or SOAP) codec, runs it, writes the reply, logs one line.
 */
export function createApiHandler(realm: Realm, portasip: boolean, deps: ApiHandlerDeps) {
  const listener = portasip ? 'portasip' : realm;
  // Series resolved once per (plan kind, status) and per system: no label sorting per call.
  const callSeries = new Map<string, CounterSeries>();
  const systemSeries = new Map<string, CounterSeries>();
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
  const countSystem = (system: string): void => {
    let series = systemSeries.get(system);
    if (series === undefined) {
      series = deps.metrics.counter('webdispatcher_system_calls_total', 'Backend calls per system', { system });
      systemSeries.set(system, series);
    }
    series.inc();
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const requestId = requestIdOf(req);
    const clientIp = deps.clientAddress?.of(req) ?? clientIpOf(req);
    let service = '';
    let method = '';
    let plan = '';
    let systems: string[] = [];
    let status = 500;
    let faultcode: string | undefined;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const soap = deps.soap !== undefined && !portasip && deps.soap.handles(path);
    try {
      if (!deps.allow.allows(realm, clientIp)) {
        req.resume();
        throw dispatcherFault('ipNotAllowed', `Client address ${clientIp} is not allowed to use the ${realm} API`, { httpStatus: 403 });
      }
      if (soap) {
        const body = req.method === 'POST' ? await readBody(req, deps.bodyLimit) : undefined;
        ({ status, service, method, plan, systems } = await deps.soap!.handle(req, res, body, { realm, clientIp, requestId }));
        return;
      }
      if (req.method === 'GET' && path.startsWith('/doc/api/') && !portasip && deps.apiDocs) {
        status = await deps.apiDocs(req, res, { realm, requestId });
        return;
      }
      const body = await readBody(req, deps.bodyLimit);
      const decoded = decodeRestRequest({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body, clientIp, requestId }, realm, portasip);
      const { call } = decoded;
      service = call.service;
      method = call.method;
      const source = call.style === 'json' && Object.keys(call.authInfo).length === 0 ? { rawJsonBody: body } : decoded.rawParams === undefined ? {} : { rawParams: decoded.rawParams };
      const reply = await deps.executor.execute(call, source);
      status = reply.status;
      plan = reply.plan;
      systems = reply.systems;
      await writeReply(res, reply, requestId);
    } catch (err) {
      const fault = isApiFault(err) ? err : dispatcherFault('internal', 'Internal error', { cause: err });
      if (!isApiFault(err)) deps.logger.error('unexpected error', { requestId, error: err instanceof Error ? err.stack ?? err.message : String(err) });
      status = fault.httpStatus;
      faultcode = fault.faultcode;
      // A SOAP client cannot read a JSON fault: refusals made before the SOAP front ran still speak SOAP.
      if (soap && !res.headersSent) writeSoapFault(res, fault, requestId);
      else writeFault(res, fault, requestId);
    } finally {
      const ms = performance.now() - started;
      countCall(plan, status);
      for (let i = 0; i < systems.length; i++) countSystem(systems[i]!);
      latency.observe(ms / 1000);
      if (logCalls) deps.logger.info('call', { requestId, realm: listener, method: service ? `${service}/${method}` : undefined, plan, systems, status, faultcode, ms: Math.round(ms * 100) / 100 });
    }
  };
}

/** WebSocket upgrades are refused with a clear message: PortaBilling's WebSocket API is not supported. */
export function refuseUpgrade(_req: IncomingMessage, socket: Duplex): void {
  const body = JSON.stringify({ faultcode: 'Server.Dispatcher.websocket_not_supported', faultstring: 'WebSocket API is not supported by this dispatcher: use the REST or SOAP API' });
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
