import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiFault } from '../../core/faults.ts';
import type { JsonObject, JsonValue } from '../../core/api-call.ts';
import { parseSimXml, simChild } from './sim-xml.ts';
import { readValue } from './sim-soap-values.ts';
import { buildRequest, captureToBytes, hostOf, loadCaptures, sendRaw } from '../../../test/helpers/wire.ts';
import type { WireReply } from '../../../test/helpers/wire.ts';
import { startSim } from '../../../test/helpers/sim.ts';
import { requirePhpSoap, runPhp } from '../../../test/helpers/php-soap.ts';

const SIM = { role: 'source', env: 3, seed: 1, customers: 40, adminCredentials: { password: 'adminpw', token: 'admintoken' } } as const;

/** The reply's one result part as JSON, or its Fault thrown as an ApiFault (read with the simulator's own XML reader). */
function decodeSoapReply(xml: string): JsonValue {
  const body = simChild(parseSimXml(xml), 'Body');
  const first = body?.children[0];
  assert.ok(first !== undefined, `a SOAP Body with content: ${xml}`);
  if (first.localName === 'Fault') throw new ApiFault(simChild(first, 'faultcode')?.text ?? '', simChild(first, 'faultstring')?.text ?? '');
  const part = first.children[0];
  return part === undefined ? null : readValue(part, '/');
}

function soapResult(reply: WireReply): JsonValue {
  assert.equal(reply.status, 200, reply.text);
  assert.equal(reply.headers['content-type'], 'text/xml; charset=utf-8');
  return decodeSoapReply(reply.text);
}

function soapFaultCode(reply: WireReply): string {
  assert.equal(reply.status, 500, reply.text);
  assert.equal(reply.headers['content-type'], 'text/xml; charset=utf-8');
  try {
    decodeSoapReply(reply.text);
  } catch (err) {
    if (err instanceof ApiFault) return err.faultcode;
    throw err;
  }
  assert.fail(`expected a SOAP Fault: ${reply.text}`);
}

function post(base: string, path: string, body: string, soapAction?: string): Promise<WireReply> {
  const headers: Array<[string, string]> = [['Host', hostOf(base)], ['Content-Type', 'text/xml; charset=utf-8'], ['Content-Length', String(Buffer.byteLength(body))]];
  if (soapAction !== undefined) headers.push(['SOAPAction', soapAction]);
  return sendRaw(base, buildRequest('POST', path, headers, body));
}

test('the simulator answers every captured PHP SoapClient request as PortaBilling does', async (t) => {
  const sim = await startSim(t, SIM);
  const lines = loadCaptures('soap-php-soapclient.jsonl');
  const subs = new Map<string, string>();
  let current = '';
  const capturedIds = new Set(lines.flatMap((l) => [...l.body.matchAll(/>([0-9a-f]{32})</g)].map((m) => m[1]!)));
  const results: string[] = [];
  for (const line of lines) {
    for (const id of capturedIds) subs.set(id, current);
    const reply = await sendRaw(sim.urls.admin, captureToBytes(line, sim.urls.admin, subs));
    if (reply.status === 200) {
      const value = soapResult(reply) as JsonObject;
      if (typeof value.session_id === 'string' && line.body.includes('ns1:login>')) current = value.session_id;
      const info = value.customer_info as JsonObject | undefined;
      results.push(info === undefined ? Object.keys(value).sort().join(',') : `customer ${String(info.i_customer)}`);
    } else {
      results.push(soapFaultCode(reply));
    }
  }
  assert.deepEqual(results, [
    'access_token,expires_at,expires_in,refresh_token,session_id',
    'Server.Session.auth_failed',
    'customer 7',
    'Server.Session.check_auth.auth_failed',
    'success',
    'access_token,expires_at,expires_in,refresh_token,session_id',
    'Server.Session.auth_failed',
    'customer 1',
    'Server.Session.check_auth.auth_failed',
    'success',
  ]);
});

test('WSDLs are served per realm listener with this listener as the endpoint', async (t) => {
  const sim = await startSim(t, SIM);
  const res = await fetch(`${sim.urls.reseller}/wsdl/CustomerResellerService.wsdl`);
  assert.equal(res.status, 200);
  const wsdl = await res.text();
  assert.ok(wsdl.includes(`location="${sim.urls.reseller}/soap/CustomerResellerService"`), wsdl.slice(-400));
  const viaQuery = await fetch(`${sim.urls.admin}/soap/AccountAdminService?wsdl`);
  assert.match(await viaQuery.text(), /<service name="AccountAdminService">/);
  const wrongRealm = await fetch(`${sim.urls.admin}/wsdl/CustomerResellerService.wsdl`);
  assert.equal(wrongRealm.status, 500);
  assert.match(await wrongRealm.text(), /describes the reseller realm; this listener serves CustomerAdminService.wsdl/);
});

test('hostile XML gets a SOAP fault and the next call on the simulator works', async (t) => {
  const sim = await startSim(t, SIM);
  const base = sim.urls.admin;
  const login = '<?xml version="1.0"?><e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><login><login>admin</login><password>adminpw</password></login></e:Body></e:Envelope>';
  const hostile = [
    '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>',
    '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>',
    '<a>'.repeat(10_000),
    '<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><login>',
  ];
  for (const body of hostile) {
    assert.equal(soapFaultCode(await post(base, '/soap/SessionAdminService', body)), 'Client.bad_request');
    const ok = soapResult(await post(base, '/soap/SessionAdminService', login)) as JsonObject;
    assert.equal(typeof ok.session_id, 'string');
  }
});

test('the positional login returns the session id as a string, usable in the auth_info header', async (t) => {
  const sim = await startSim(t, SIM);
  const base = sim.urls.admin;
  const env = (inner: string, header = ''): string => '<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
    + `${header}<SOAP-ENV:Body>${inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
  const sid = soapResult(await post(base, '/soap', env('<ns1:login xmlns:ns1="https://h/Porta/SOAP/Session"><param0 xsi:type="xsd:string">admin</param0><param1 xsi:type="xsd:string">adminpw</param1></ns1:login>'), '"https://h/Porta/SOAP/Session#login"'));
  assert.equal(typeof sid, 'string');
  const header = `<SOAP-ENV:Header><auth_info><session_id>${String(sid)}</session_id></auth_info></SOAP-ENV:Header>`;
  const info = soapResult(await post(base, '/soap/Customer/get_customer_info', env('<get_customer_info><i_customer>3</i_customer></get_customer_info>', header))) as JsonObject;
  assert.equal((info.customer_info as JsonObject).i_customer, 3);
});

test('PHP SoapClient works against the simulator with the WSDL it serves', async (t) => {
  if (!(await requirePhpSoap(t))) return;
  const sim = await startSim(t, SIM);
  const script = String.raw`<?php
$base = $argv[1];
$opts = ['cache_wsdl' => WSDL_CACHE_NONE, 'exceptions' => true];
$s = new SoapClient("$base/wsdl/SessionAdminService.wsdl", $opts);
$login = $s->login(['login' => 'admin', 'password' => 'adminpw']);
$c = new SoapClient("$base/wsdl/CustomerAdminService.wsdl", $opts);
$c->__setSoapHeaders([new SoapHeader('https://127.0.0.1/Porta/SOAP/Session', 'auth_info', ['session_id' => $login->session_id])]);
$out = [];
$out['info'] = $c->get_customer_info(['i_customer' => 3]);
$out['list'] = $c->get_customer_list(['limit' => 2, 'offset' => 0, 'get_total' => 1]);
$out['update'] = $c->update_customer(['customer_info' => ['i_customer' => 3, 'email' => 'soap@example.com']]);
$out['after'] = $c->get_customer_info(['i_customer' => 3])->customer_info->email;
$out['logout'] = $s->logout(['session_id' => $login->session_id]);
try { $c->get_customer_info(['i_customer' => 3]); $out['gone'] = 'no fault'; } catch (SoapFault $f) { $out['gone'] = $f->faultcode; }
echo json_encode($out);
`;
  const r = await runPhp(script, [sim.urls.admin]);
  assert.equal(r.code, 0, `php failed: ${r.stderr}${r.stdout}`);
  const out = JSON.parse(r.stdout) as Record<string, JsonObject & JsonValue>;
  assert.equal((out.info!.customer_info as JsonObject).i_customer, 3);
  const list = out.list!.customer_list as JsonObject[];
  assert.equal(list.length, 2);
  assert.equal(typeof out.list!.total, 'number');
  assert.equal(out.after, 'soap@example.com');
  assert.deepEqual(out.logout, { success: 1 });
  assert.equal(out.gone, 'Server.Session.check_auth.auth_failed');
});
