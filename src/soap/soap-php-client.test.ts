import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { ApiFault, isApiFault } from '../core/faults.ts';
import type { JsonObject, JsonValue } from '../core/api-call.ts';
import { loadCaptures } from '../../test/helpers/wire.ts';
import { requirePhpSoap, runPhp } from '../../test/helpers/php-soap.ts';
import { decodeSoapRequest } from './soap-envelope.ts';
import type { SoapRequest } from './soap-envelope.ts';
import { encodeSoapFault, encodeSoapReply } from './soap-reply.ts';
import { simWsdl } from '../sim/soap/sim-wsdl.ts';
import { parseWsdlFileName } from '../core/soap-names.ts';

/**
 * Proves that a stock client decodes what the codec sends: PHP's SoapClient loads a WSDL from a
 * tiny server (the simulator's WSDL for the service) and calls a fake PortaBilling implemented with the codec.
 */

const CUSTOMERS: Record<number, JsonObject> = {
  7: { i_customer: 7, login: 'john.doe', name: 'John <Doe> & Co', balance: 12.5, notes: null, i_env: 3 },
  8: { i_customer: 8, login: 'moved', name: 'Moved Customer', balance: 0, notes: 'on target', i_env: 8 },
};

/** A fake PortaBilling: just enough behaviour to prove the codec, built on the codec alone. */
function fakeBackend(sessions: Set<string>, seen: SoapRequest[]): (req: SoapRequest) => JsonValue {
  let logins = 0;
  return (req) => {
    seen.push(req);
    const key = `${req.service}/${req.method}`;
    if (key === 'Session/login') {
      if (req.params.login !== 'admin' || req.params.password !== 'adminpw') throw new ApiFault('Server.Session.auth_failed', 'Login failed');
      const sid = `sid${++logins}`;
      sessions.add(sid);
      return { session_id: sid, expires_in: 3600 };
    }
    if (key === 'Session/logout') {
      sessions.delete(String(req.params.session_id ?? req.sessionId));
      return { success: 1 };
    }
    if (req.sessionId === undefined || !sessions.has(req.sessionId)) throw new ApiFault('Server.Session.check_auth.auth_failed', 'Session is invalid');
    if (key === 'Customer/get_customer_info') {
      const c = CUSTOMERS[Number(req.params.i_customer)];
      if (c === undefined) throw new ApiFault('Server.Customer.customer_not_found', `Customer ${String(req.params.i_customer)} not found`);
      return { customer_info: c };
    }
    if (key === 'Customer/get_customer_list') {
      const all = Object.values(CUSTOMERS);
      const limit = typeof req.params.limit === 'number' ? req.params.limit : all.length;
      return { customer_list: all.slice(0, limit), total: all.length };
    }
    if (key === 'Customer/update_customer') {
      const info = req.params.customer_info as JsonObject;
      return { i_customer: info.i_customer ?? null };
    }
    throw new ApiFault('Client.unknown_method', `Unknown method ${key}`);
  };
}

async function startServer(t: TestContext, handle: (req: SoapRequest) => JsonValue): Promise<string> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (req.method === 'GET' && url.startsWith('/wsdl/')) {
        const target = parseWsdlFileName(url.slice('/wsdl/'.length));
        if (target === undefined) { res.writeHead(404).end(); return; }
        const port = (server.address() as AddressInfo).port;
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
        res.end(simWsdl(target.service, target.realm, `http://127.0.0.1:${port}`, 'pb.example.com'));
        return;
      }
      let reply;
      try {
        const call = decodeSoapRequest(Buffer.concat(chunks), { path: url, soapAction: typeof req.headers.soapaction === 'string' ? req.headers.soapaction : undefined });
        reply = encodeSoapReply(call.method, handle(call), { namespace: call.namespace, positionalLogin: call.positionalLogin === true });
      } catch (err) {
        if (!isApiFault(err)) throw err;
        reply = encodeSoapFault(err);
      }
      res.writeHead(reply.status, { 'content-type': reply.contentType });
      res.end(reply.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const PHP_SCRIPT = String.raw`<?php
$base = $argv[1];
$out = [];
$opts = ['trace' => 1, 'cache_wsdl' => WSDL_CACHE_NONE, 'exceptions' => true];
$session = new SoapClient("$base/wsdl/SessionAdminService.wsdl", $opts);
try { $session->login(['login' => 'admin', 'password' => 'wrong']); $out['bad_login'] = 'no fault'; }
catch (SoapFault $f) { $out['bad_login'] = [$f->faultcode, $f->faultstring]; }
$login = $session->login(['login' => 'admin', 'password' => 'adminpw']);
$out['login'] = $login;
$out['login_request'] = $session->__getLastRequest();
$customer = new SoapClient("$base/wsdl/CustomerAdminService.wsdl", $opts);
$customer->__setSoapHeaders([new SoapHeader('https://pb.example.com/Porta/SOAP/Session', 'auth_info', ['session_id' => $login->session_id])]);
$out['info'] = $customer->get_customer_info(['i_customer' => 7]);
$out['moved'] = $customer->get_customer_info(['i_customer' => 8]);
$out['list'] = $customer->get_customer_list(['limit' => 10, 'offset' => 0, 'get_total' => 1]);
$out['update'] = $customer->update_customer(['customer_info' => ['i_customer' => 7, 'email' => 'j@example.com']]);
try { $customer->get_customer_info(['i_customer' => 5]); $out['missing'] = 'no fault'; }
catch (SoapFault $f) { $out['missing'] = [$f->faultcode, $f->faultstring]; }
$out['logout'] = $session->logout(['session_id' => $login->session_id]);
try { $customer->get_customer_info(['i_customer' => 7]); $out['after_logout'] = 'no fault'; }
catch (SoapFault $f) { $out['after_logout'] = [$f->faultcode, $f->faultstring]; }
$old = new SoapClient(null, ['location' => "$base/soap/SessionAdminService", 'uri' => 'https://pb.example.com/Porta/SOAP/Session', 'trace' => 1]);
$out['positional_login'] = $old->login('admin', 'adminpw');
echo json_encode($out);
`;

test('PHP SoapClient logs in, reads, lists, updates and logs out through the codec and its WSDL', async (t) => {
  if (!(await requirePhpSoap(t))) return;
  const sessions = new Set<string>();
  const seen: SoapRequest[] = [];
  const base = await startServer(t, fakeBackend(sessions, seen));
  const r = await runPhp(PHP_SCRIPT, [base]);
  assert.equal(r.code, 0, `php failed: ${r.stderr}${r.stdout}`);
  const out = JSON.parse(r.stdout) as Record<string, JsonValue>;

  assert.deepEqual(out.bad_login, ['Server.Session.auth_failed', 'Login failed']);
  assert.deepEqual(out.login, { session_id: 'sid1', expires_in: 3600 });
  // The WSDL makes PHP send exactly what the captured client sent.
  assert.equal(out.login_request, loadCaptures('soap-php-soapclient.jsonl')[0]!.body);
  assert.deepEqual(out.info, { customer_info: CUSTOMERS[7] });
  assert.deepEqual(out.moved, { customer_info: CUSTOMERS[8] });
  assert.deepEqual(out.list, { customer_list: [CUSTOMERS[7], CUSTOMERS[8]], total: 2 });
  assert.deepEqual(out.update, { i_customer: 7 });
  assert.deepEqual(out.missing, ['Server.Customer.customer_not_found', 'Customer 5 not found']);
  assert.deepEqual(out.logout, { success: 1 });
  assert.deepEqual(out.after_logout, ['Server.Session.check_auth.auth_failed', 'Session is invalid']);
  assert.equal(out.positional_login, 'sid2');

  const update = seen.find((s) => s.method === 'update_customer');
  assert.deepEqual(update?.params, { customer_info: { i_customer: 7, email: 'j@example.com' } });
  assert.equal(update?.sessionId, 'sid1');
  const list = seen.find((s) => s.method === 'get_customer_list');
  assert.deepEqual(list?.params, { limit: 10, offset: 0, get_total: 1 });
  assert.equal(seen.at(-1)?.positionalLogin, true);
});
