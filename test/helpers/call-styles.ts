import assert from 'node:assert/strict';
import { buildRequest, formRequest, hostOf, jsonRequest, sendRaw } from './wire.ts';
import { sendJson, type JsonReply } from './sim.ts';
import { decodeSoapReply } from '../../src/soap/soap-reply.ts';

/*
 * One PortaBilling call in each of the four request styles, as real clients put it on the wire
 * (JSON + Bearer, form auth_info/params, the legacy path form, PHP SoapClient's SOAP 1.1).
 */

export type Row = Record<string, unknown>;
export type Style = 'json' | 'form' | 'path' | 'soap';
export const STYLES: readonly Style[] = ['json', 'form', 'path', 'soap'];
const enc = encodeURIComponent;

/** Struct type names the WSDL gives nested params (what a typed SOAP client puts in xsi:type). */
const STRUCT_TYPES: Readonly<Record<string, string>> = { alias_info: 'AliasInfo', subscription_info: 'SubscriptionInfo', ua_info: 'UAInfo' };

function soapValue(name: string, value: unknown): string {
  if (typeof value === 'number') return `<${name} xsi:type="xsd:int">${value}</${name}>`;
  if (typeof value === 'string') return `<${name} xsi:type="xsd:string">${value.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${name}>`;
  if (value !== null && typeof value === 'object') {
    const inner = Object.entries(value as Row).map(([k, v]) => soapValue(k, v)).join('');
    return `<${name} xsi:type="ns1:${STRUCT_TYPES[name] ?? 'Struct'}">${inner}</${name}>`;
  }
  return `<${name} xsi:nil="true"/>`;
}

/** Sends the call in `style` and returns the HTTP status with the decoded reply (JSON or SOAP). */
export async function sendIn(style: Style, base: string, serviceMethod: string, params: Row, s: { session_id: string; access_token: string }): Promise<{ status: number; reply: Row; text: string }> {
  const [service = '', method = ''] = serviceMethod.split('/');
  const json = (r: JsonReply) => ({ status: r.status, reply: (r.json ?? {}) as Row, text: r.text });
  if (style === 'json') return json(await sendJson(base, jsonRequest(base, `/rest/${serviceMethod}`, JSON.stringify({ params }), s.access_token)));
  if (style === 'form') {
    return json(await sendJson(base, formRequest(base, `/rest/${serviceMethod}`, `auth_info=${enc(JSON.stringify({ session_id: s.session_id }))}&params=${enc(JSON.stringify(params))}`)));
  }
  if (style === 'path') {
    return json(await sendJson(base, buildRequest('POST', `/rest/${serviceMethod}/${s.session_id}/${enc(JSON.stringify(params))}`, [['Host', hostOf(base)], ['Content-Length', '0']])));
  }
  const ns = `https://pb.example.com/Porta/SOAP/${service}`;
  const requestType = `${method.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}Request`;
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n'
    + `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="${ns}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns2="https://pb.example.com/Porta/SOAP/Session" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">`
    + `<SOAP-ENV:Header><ns2:auth_info><session_id>${s.session_id}</session_id></ns2:auth_info></SOAP-ENV:Header>`
    + `<SOAP-ENV:Body><ns1:${method}><${requestType} xsi:type="ns1:${requestType}">${Object.entries(params).map(([k, v]) => soapValue(k, v)).join('')}</${requestType}></ns1:${method}></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
  const reply = await sendRaw(base, buildRequest('POST', `/soap/${service}AdminService`, [
    ['Host', hostOf(base)], ['User-Agent', 'PHP-SOAP/8.2.36'], ['Content-Type', 'text/xml; charset=utf-8'],
    ['SOAPAction', `"${ns}#${method}"`], ['Content-Length', String(Buffer.byteLength(body))],
  ], body));
  return { status: reply.status, reply: reply.status === 200 ? decodeSoapReply(reply.text) as Row : {}, text: reply.text };
}

/** The same, asserting success: the reply's object. */
export async function callIn(style: Style, base: string, serviceMethod: string, params: Row, s: { session_id: string; access_token: string }): Promise<Row> {
  const r = await sendIn(style, base, serviceMethod, params, s);
  assert.equal(r.status, 200, `${style} ${serviceMethod}: ${r.status} ${r.text.slice(0, 400)}`);
  return r.reply;
}

