/**
 * The proxy benchmark scenarios (issue 6): which backend, which contenders, which requests and
 * which load. Requests are built per contender because each has its own session.
 */
import type { Auth } from './backends.ts';
import type { ContenderName } from './contenders.ts';
import type { RequestSpec } from './request-spec.ts';

/** Scenario definition; `requests` receives the contender's session. */
export interface Scenario {
  id: string;
  title: string;
  backend: 'canned' | { sim: number };
  /** Which listener of the contender receives the calls. */
  listener: 'admin' | 'portasip';
  /** Contenders measured in the open loop (default: all of `contenders`). */
  openLoopContenders?: ContenderName[];
  /** Connections of the open-loop generator (default 64). */
  openLoopConnections?: number;
  contenders: ContenderName[];
  requests(auth: Auth): RequestSpec[];
  wrk?: { connections: number };
  openLoop?: { rates: number[] };
  /** Runs in `--quick` mode too. */
  quick?: boolean;
  /** Requires SOAP in the dispatcher, etc.: a reason to skip when true. */
  needs?: 'dispatcher' | 'sim';
  notes?: string[];
}

function jsonBearer(path: string, auth: Auth, params: Record<string, unknown>): RequestSpec {
  return {
    path,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.accessToken}` },
    body: JSON.stringify({ params }),
  };
}

function formEncoded(path: string, auth: Auth, params: Record<string, unknown>): RequestSpec {
  const body = new URLSearchParams({ auth_info: JSON.stringify({ session_id: auth.sessionId }), params: JSON.stringify(params) }).toString();
  return { path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body };
}

/** A PHP SoapClient `get_customer_info` call, as captured on the wire (session in the auth_info header). */
function soapGetCustomerInfo(auth: Auth, iCustomer: number): RequestSpec {
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
    + 'xmlns:ns1="https://pb.example.com/Porta/SOAP/Customer" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    + 'xmlns:ns2="https://pb.example.com/Porta/SOAP/Session" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
    + 'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><SOAP-ENV:Header><ns2:auth_info>'
    + `<session_id>${auth.sessionId}</session_id></ns2:auth_info></SOAP-ENV:Header><SOAP-ENV:Body><ns1:get_customer_info>`
    + '<GetCustomerInfoRequest xsi:type="ns1:GetCustomerInfoRequest">'
    + `<i_customer xsi:type="xsd:int">${iCustomer}</i_customer></GetCustomerInfoRequest></ns1:get_customer_info></SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
  return {
    path: '/soap/CustomerAdminService',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"https://pb.example.com/Porta/SOAP/Customer#get_customer_info"' },
    body,
  };
}

/** 16 customer ids of both parities (odd → source, even → target by ID parity). */
const MIXED_IDS = Array.from({ length: 16 }, (_, i) => 101 + i);

/** Customers per simulator: enough for 1,000-row list pages. */
const SIM_CUSTOMERS = 2000;

/** Seeded source accounts (slot 0 of customers k = 0..7: i_account 6k + 1). */
const SIM_ACCOUNT_IDS = Array.from({ length: 8 }, (_, k) => 6 * k + 1);

/** Path prefix of the PortaSIP API listener (simulator: `/portasip/<Service>/<method>`). */
const PORTASIP_PREFIX = '/portasip/';

const ALL_CONTENDERS: ContenderName[] = ['direct', 'nginx-proxy', 'nginx-proxy-1w', 'naive-node', 'raw-node', 'dispatcher-1w', 'dispatcher-all'];

/** Every scenario, in run order. */
export function scenarios(opts: { simCustomerIds: number[] }): Scenario[] {
  const simIds = opts.simCustomerIds;
  return [
    {
      id: 'S1-json',
      title: 'routed Customer/get_customer_info by i_customer, JSON body + Bearer',
      backend: 'canned',
      listener: 'admin',
      contenders: ALL_CONTENDERS,
      requests: (auth) => MIXED_IDS.map((id) => jsonBearer('/rest/Customer/get_customer_info', auth, { i_customer: id })),
      wrk: { connections: 32 },
      // 1,000 req/s is the target's rate; 250 req/s shows the added latency away from saturation.
      openLoop: { rates: [250, 1000] },
      openLoopContenders: ['direct', 'nginx-proxy', 'naive-node', 'dispatcher-1w'],
      quick: true,
      notes: [
        'i_customer cycles through 101…116 (both parities): the naive proxy and the dispatcher route odd ids to the source server and even ids to the target server; direct and nginx send everything to the source server (same nginx worker, same reply).',
      ],
    },
    {
      id: 'S1-form',
      title: 'routed Customer/get_customer_info by i_customer, form-encoded auth_info + params',
      backend: 'canned',
      listener: 'admin',
      contenders: ['direct', 'nginx-proxy', 'dispatcher-1w', 'dispatcher-all'],
      requests: (auth) => MIXED_IDS.map((id) => formEncoded('/rest/Customer/get_customer_info', auth, { i_customer: id })),
      wrk: { connections: 32 },
    },
    {
      id: 'S5-soap',
      title: 'SOAP get_customer_info (PHP SoapClient envelope) routed by i_customer; the dispatcher forwards the envelope to the backend as SOAP',
      backend: 'canned',
      listener: 'admin',
      contenders: ['direct', 'nginx-proxy', 'dispatcher-1w', 'dispatcher-all'],
      requests: (auth) => MIXED_IDS.map((id) => soapGetCustomerInfo(auth, id)),
      wrk: { connections: 32 },
      needs: 'dispatcher',
      notes: ['direct and nginx-proxy carry the same SOAP bytes to the canned backend, which answers a fixed SOAP reply without parsing them: they are the transport floor, not a SOAP implementation. The dispatcher parses the envelope, routes, puts its backend session in place of auth_info, and passes the backend\'s SOAP reply through.'],
    },
    {
      id: 'S4-login',
      title: 'Session/login (admin, password); the dispatcher logs in to both systems in parallel',
      backend: 'canned',
      listener: 'admin',
      contenders: ['direct', 'nginx-proxy', 'dispatcher-1w', 'dispatcher-all'],
      requests: () => [{ path: '/rest/Session/login', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: { login: 'admin', password: 'demo-admin' } }) }],
      wrk: { connections: 16 },
      needs: 'dispatcher',
      notes: ['Every login creates a dispatcher session; the sessions pile up in the in-memory store for the length of the run.'],
    },
    {
      id: 'S1-sim',
      title: 'routed Customer/get_customer_info on the simulators, JSON + Bearer',
      backend: { sim: SIM_CUSTOMERS },
      listener: 'admin',
      contenders: ['direct', 'naive-node', 'dispatcher-1w'],
      requests: (auth) => simIds.map((id) => jsonBearer('/rest/Customer/get_customer_info', auth, { i_customer: id })),
      wrk: { connections: 32 },
      openLoop: { rates: [500] },
      openLoopContenders: ['direct', 'naive-node', 'dispatcher-1w'],
      needs: 'sim',
      notes: ['All ids live on the source simulator, so every contender reaches the same backend.'],
    },
    ...[100, 1000].map((rows): Scenario => ({
      id: `S2-merge-${rows}`,
      title: `Customer/get_customer_list merge, ${rows} rows per system (limit ${rows}, per-system paging)`,
      backend: { sim: SIM_CUSTOMERS },
      listener: 'admin',
      contenders: ['direct', 'direct-target', 'direct-both', 'dispatcher-1w'],
      requests: (auth) => [jsonBearer('/rest/Customer/get_customer_list', auth, { limit: rows, offset: 0, get_total: 1 })],
      // Light load: the target is about the latency a merge adds, not the merge throughput.
      openLoop: { rates: [rows >= 1000 ? 10 : 40] },
      openLoopConnections: 16,
      needs: 'sim',
      notes: [
        `Target: the dispatcher's merge p50 ≤ the slower of direct (source) and direct-target + ${rows >= 1000 ? 5 : 1} ms.`,
        'direct/direct-target each return one system\'s rows; the dispatcher asks both in parallel and merges 2 × limit rows.',
        'direct-both (a second baseline, not the issue\'s): the client sends the direct and the direct-target call at the same instant and the sample ends when both replies are read. It costs what a merge costs before the dispatcher does anything: two simulators answering at once on the shared cores, and twice the bytes read by the client. "added vs direct-both" is the dispatcher\'s own share.',
      ],
    })),
    {
      id: 'S3-portasip',
      title: 'PortaSIP Voicemail/get_settings broadcast to both systems (the account lives on the source)',
      backend: { sim: SIM_CUSTOMERS },
      listener: 'portasip',
      contenders: ['direct', 'dispatcher-1w'],
      requests: (auth) => SIM_ACCOUNT_IDS.map((id) => jsonBearer(PORTASIP_PREFIX + 'Voicemail/get_settings', auth, { i_account: id })),
      wrk: { connections: 32 },
      openLoop: { rates: [500] },
      needs: 'sim',
      notes: ['The target answers "not found" for these accounts; the dispatcher returns the source\'s success.'],
    },
  ];
}
