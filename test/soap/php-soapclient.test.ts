import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requirePhpSoap, runPhp } from '../helpers/php-soap.ts';
import { startStack, migrate, login, call } from '../helpers/stack.ts';
import { DEMO_ADMIN, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';

/**
 * Stock PHP SoapClient (php-cli + php-soap) loads the WSDLs from the dispatcher and works
 * through it exactly as it would against one PortaBilling system.
 */
const PHP_SCRIPT = String.raw`<?php
[$self, $base, $adminPassword, $adminToken, $movedId, $sourceId] = $argv;
$movedId = (int)$movedId; $sourceId = (int)$sourceId;
$out = [];
$opts = ['trace' => 1, 'cache_wsdl' => WSDL_CACHE_NONE, 'exceptions' => true];
function fault_of(callable $f) { try { $f(); return 'no fault'; } catch (SoapFault $e) { return [$e->faultcode, $e->faultstring]; } }

$session = new SoapClient("$base/wsdl/SessionAdminService.wsdl", $opts);
$out['bad_login'] = fault_of(fn() => $session->login(['login' => 'admin', 'password' => 'wrong']));
$login = $session->login(['login' => 'admin', 'password' => $adminPassword]);
$out['login'] = $login;
$sid = $login->session_id;

$customer = new SoapClient("$base/wsdl/CustomerAdminService.wsdl", $opts);
// The header's namespace host differs from the WSDL's on purpose: it is matched by local name.
$customer->__setSoapHeaders([new SoapHeader('https://pb.example.com/Porta/SOAP/Session', 'auth_info', ['session_id' => $sid])]);
$out['source'] = $customer->get_customer_info(['i_customer' => $sourceId]);
$out['moved'] = $customer->get_customer_info(['i_customer' => $movedId]);
$out['list'] = $customer->get_customer_list(['limit' => 1000, 'offset' => 0, 'get_total' => 1]);
$out['update'] = $customer->update_customer(['customer_info' => ['i_customer' => $movedId, 'email' => 'soap.moved@example.com']]);
$out['moved_after_update'] = $customer->get_customer_info(['i_customer' => $movedId]);
$out['missing'] = fault_of(fn() => $customer->get_customer_info(['i_customer' => 999999]));

$out['token_login'] = $session->login(['login' => 'admin', 'token' => $adminToken]);
$old = new SoapClient(null, ['location' => "$base/soap/SessionAdminService", 'uri' => 'https://pb.example.com/Porta/SOAP/Session', 'trace' => 1]);
$out['positional_login'] = $old->login('admin', $adminPassword);

$out['logout'] = $session->logout(['session_id' => $sid]);
$out['after_logout'] = fault_of(fn() => $customer->get_customer_info(['i_customer' => $sourceId]));
echo json_encode($out);
`;

interface Info { customer_info: { i_customer: number; i_env: number; email?: string } }

test('PHP SoapClient logs in, reads a source and a moved customer, lists merged, updates and logs out through the dispatcher', async (t) => {
  if (!(await requirePhpSoap(t))) return;
  const stack = await startStack(t);
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  const base = stack.url('admin');

  // The WSDL the client loads sends it to the dispatcher, not to a backend.
  const wsdl = await (await fetch(`${base}/wsdl/CustomerAdminService.wsdl`)).text();
  assert.match(wsdl, new RegExp(`<soap:address location="${base}/soap/CustomerAdminService"/>`));

  const r = await runPhp(PHP_SCRIPT, [base, DEMO_ADMIN.password, DEMO_ADMIN.token, String(DEMO_CUSTOMER.iCustomer), '3']);
  assert.equal(r.code, 0, `php failed: ${r.stderr}${r.stdout}`);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;

  assert.deepEqual(out.bad_login, ['Server.Session.auth_failed', (out.bad_login as string[])[1]]);
  const loginReply = out.login as { session_id: string; access_token: string; expires_in: number };
  assert.ok(loginReply.session_id.length >= 16, 'a dispatcher session id');
  assert.equal(loginReply.access_token.split('.').length, 3, 'the access token is a JWT');
  assert.ok(loginReply.expires_in > 0);

  const source = out.source as Info;
  assert.equal(source.customer_info.i_customer, 3);
  assert.equal(source.customer_info.i_env, 3, 'customer 3 is read on the source');
  const moved = out.moved as Info;
  assert.equal(moved.customer_info.i_customer, DEMO_CUSTOMER.iCustomer);
  assert.equal(moved.customer_info.i_env, 8, 'the moved customer is read on the target');

  const list = out.list as { customer_list: Array<{ i_customer: number; i_env: number }>; total: number };
  const ids = list.customer_list.map((c) => c.i_customer);
  assert.equal(new Set(ids).size, ids.length, 'no customer twice in the merged list');
  assert.deepEqual(list.customer_list.filter((c) => c.i_customer === DEMO_CUSTOMER.iCustomer).map((c) => c.i_env), [8], 'the moved customer appears once, from the target');
  assert.ok(list.customer_list.some((c) => c.i_env === 3) && list.customer_list.some((c) => c.i_env === 8), 'rows of both systems');
  assert.equal(typeof list.total, 'number');

  assert.equal((out.update as { i_customer: number }).i_customer, DEMO_CUSTOMER.iCustomer);
  assert.equal((out.moved_after_update as Info).customer_info.email, 'soap.moved@example.com');
  // The write landed on the target, where the customer now lives, and not on the source.
  const direct = async (url: string) => {
    const token = await login(url, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
    return (await call(url, 'Customer/get_customer_info', { i_customer: DEMO_CUSTOMER.iCustomer }, token)).json as unknown as Info;
  };
  assert.equal((await direct(stack.target.urls.admin)).customer_info.email, 'soap.moved@example.com');
  assert.notEqual((await direct(stack.source.urls.admin)).customer_info.email, 'soap.moved@example.com');

  const missing = out.missing as string[];
  assert.ok(Array.isArray(missing) && missing[0] !== 'Server.Session.check_auth.auth_failed', `a missing customer is a backend fault, not a session one: ${JSON.stringify(missing)}`);
  assert.equal(typeof (out.token_login as { session_id: unknown }).session_id, 'string');
  assert.equal(typeof out.positional_login, 'string');
  assert.ok((out.positional_login as string).length >= 16, 'the positional login returns the session id as a string');
  assert.deepEqual(out.logout, { success: 1 });
  assert.equal((out.after_logout as string[])[0], 'Server.Session.check_auth.auth_failed');
});
