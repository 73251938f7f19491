import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { ApiFault } from '../../core/faults.ts';
import type { SimListener } from '../contract.ts';

/** A request as a simulator route sees it: the body is already read (within the size cap). */
export interface SimHttpRequest {
  listener: SimListener;
  method: string;
  /** Raw request target path (not decoded), without the query string. */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  clientIp: string;
}

export interface SimHttpResponse {
  status: number;
  headers: Record<string, string>;
  /** A stream (a generated download) is sent as it is read, with `content-length` set by the route. */
  body: string | Buffer | Readable;
}

/**
 * One mountable handler of a listener (REST today; SOAP, portal and CPE files later). Routes are
 * tried in order; the first whose `matches` is true gets the request.
 */
export interface SimHttpRoute {
  name: string;
  matches(method: string, rawPath: string): boolean;
  /** Control routes (`/sim/*`) are exempt from injected latency, errors and outages. */
  control?: boolean;
  handle(req: SimHttpRequest): Promise<SimHttpResponse> | SimHttpResponse;
  /** Encodes a fault raised before `handle` (e.g. body too large) in this route's format. */
  fault(f: ApiFault): SimHttpResponse;
}

/** PortaBilling's JSON fault reply: HTTP 500 (or the fault's status) with faultcode/faultstring. */
export function jsonFault(f: ApiFault): SimHttpResponse {
  return { status: f.httpStatus, headers: { 'content-type': 'application/json' }, body: JSON.stringify(f.toJSON()) };
}

export function jsonReply(value: unknown, status = 200): SimHttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}
