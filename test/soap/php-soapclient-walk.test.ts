import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSimDescription } from '../../src/sim/description/description.ts';
import type { SimServiceSpec } from '../../src/sim/description/description.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { requirePhpSoap, runPhp } from '../helpers/php-soap.ts';
import { testConfig } from '../helpers/stack.ts';
import { requiredParams, startTwinnedStack, systemsThatServed } from '../helpers/twins.ts';

/**
 * Issue 16's acceptance for typed clients: stock PHP SoapClient in WSDL mode, its WSDLs fetched
 * from the dispatcher (`/wsdl/<Service>AdminService.wsdl`), calls a sample of methods; each
 * call is made again by the same PHP code with the WSDL of the system it went to, fetched
 * from that system directly. What PHP decoded must be identical (var_export), and so must the
 * envelopes PHP sent after the session id (the two WSDLs describe the same operations and
 * types, so PHP frames the same request from either).
 */

/** The services sampled and how many of each one's methods (in description order). */
const SAMPLED = ['Account', 'Customer', 'Product', 'Invoice', 'CDR', 'Subscription', 'DID', 'Reseller', 'Payment', 'Tariff', 'DiscountPlan', 'CustomerClass'];
const PER_SERVICE = 6;

const PHP_WALK = String.raw`<?php
[$_, $via, $direct, $login, $password, $callsJson] = $argv;
$opts = ['trace' => 1, 'cache_wsdl' => WSDL_CACHE_NONE, 'exceptions' => true];
$calls = json_decode($callsJson, true);
function session_of($base, $login, $password, $opts) {
  $s = new SoapClient("$base/wsdl/SessionAdminService.wsdl", $opts);
  return $s->login(['login' => $login, 'password' => $password])->session_id;
}
function outcome($client, $method, $params) {
  try {
    $r = $client->__soapCall($method, [$params]);
    return ['value' => var_export($r, true), 'json' => json_encode($r, JSON_PRESERVE_ZERO_FRACTION)];
  } catch (SoapFault $f) {
    return ['value' => var_export([$f->faultcode, $f->faultstring], true), 'json' => json_encode(['fault' => [$f->faultcode, $f->faultstring]])];
  }
}
$sessions = ['via' => session_of($via, $login, $password, $opts), 'direct' => session_of($direct, $login, $password, $opts)];
$clients = [];
$out = [];
foreach ($calls as $c) {
  $service = $c['service'];
  if (!isset($clients[$service])) {
    foreach (['via' => $via, 'direct' => $direct] as $side => $base) {
      try {
        $client = new SoapClient("$base/wsdl/{$service}AdminService.wsdl", $opts);
        // i_env in auth_info: how a WSDL-mode client names the system for a write that names no record.
        $client->__setSoapHeaders([new SoapHeader('https://127.0.0.1/Porta/SOAP/Session', 'auth_info', ['session_id' => $sessions[$side], 'i_env' => $c['i_env']])]);
        $clients[$service][$side] = $client;
      } catch (SoapFault $f) {
        $clients[$service][$side] = 'WSDL: ' . $f->getMessage();
      }
    }
  }
  $row = ['service' => $service, 'method' => $c['method']];
  foreach (['via', 'direct'] as $side) {
    $client = $clients[$service][$side];
    if (is_string($client)) { $row[$side] = ['value' => $client, 'json' => json_encode($client)]; $row[$side . '_request'] = ''; continue; }
    $row[$side] = outcome($client, $c['method'], $c['params']);
    $row[$side . '_request'] = (string) $client->__getLastRequest();
  }
  $out[] = $row;
}
echo json_encode($out);
`;

interface PhpRow {
  service: string;
  method: string;
  via: { value: string; json: string };
  direct: { value: string; json: string };
  via_request: string;
  direct_request: string;
}

const withoutSession = (envelope: string): string => envelope.replace(/(<session_id[^>]*>)[^<]*(<\/session_id>)/g, '$1…$2');

test(`PHP SoapClient in WSDL mode gets the same results through the dispatcher's WSDLs as from the system's own (${SAMPLED.length} services, ${PER_SERVICE} methods each)`, async (t) => {
  if (!(await requirePhpSoap(t))) return;
  // Why twins, and only source records: the PHP run makes every call through the dispatcher
  // and then, at once, against the twin of the system it went to (see startTwinnedStack), so
  // writes meet equal state on both sides. One PHP process cannot ask the recorder between
  // two calls, so the sample is chosen to go to the source (ids 1 are source records, i_env 3
  // in auth_info for the rest; no broadcast services, no merged lists) and the recorder
  // checks afterwards that each call did.
  const d = loadSimDescription();
  const stack = await startTwinnedStack(t);
  const config = testConfig(stack.source, stack.target);
  const skipped = new Set([...config.routing.broadcastServices]);
  const merged = new Set(config.routing.listMerge);
  const calls = SAMPLED.filter((s) => !skipped.has(s)).flatMap((service) => Object.entries(d.services.get(service)!.methods)
    .filter(([m]) => !merged.has(`${service}/${m}`)).slice(0, PER_SERVICE)
    .map(([method, spec]) => ({ service, method, params: requiredParams(d, spec.request, 1), i_env: stack.source.env })));
  assert.ok(calls.length >= 50 && new Set(calls.map((c) => c.service)).size >= 8, `${calls.length} calls`);

  const run = await runPhp(PHP_WALK, [stack.url('admin'), stack.twin.source.urls.admin, DEMO_ADMIN.login, DEMO_ADMIN.password, JSON.stringify(calls)]);
  assert.equal(run.code, 0, `php failed: ${run.stderr}${run.stdout.slice(0, 2000)}`);
  const rows = JSON.parse(run.stdout) as PhpRow[];
  assert.equal(rows.length, calls.length);

  const failures: string[] = [];
  let faults = 0;
  for (const row of rows) {
    const key = `${row.service}/${row.method}`;
    const served = systemsThatServed(stack.arrivals, row.service, row.method);
    // A read of a record the source lacks may be looked for on the target as well (the
    // dispatcher following a record that moved); the answer must still be the source's.
    const routedAsSampled = served.join('+') === 'source' || (row.method.startsWith('get_') && served.join('+') === 'source+target');
    if (!routedAsSampled) failures.push(`${key}: reached ${served.join('+') || 'no system'}, not the source the direct side used; through: ${row.via.json.slice(0, 200)}`);
    else if (row.via.value !== row.direct.value) failures.push(`${key}: through ${row.via.json.slice(0, 300)} / directly ${row.direct.json.slice(0, 300)}`);
    else if (withoutSession(row.via_request) !== withoutSession(row.direct_request)) failures.push(`${key}: PHP framed different requests from the two WSDLs:\n  ${withoutSession(row.via_request).slice(0, 400)}\n  ${withoutSession(row.direct_request).slice(0, 400)}`);
    if (row.direct.json.startsWith('{"fault"')) faults++;
  }
  t.diagnostic(`${rows.length} calls, ${faults} of them faults directly`);
  assert.ok(faults < rows.length / 2, 'most sampled calls succeed (the sample is not a walk of faults)');
  assert.equal(failures.length, 0, `${failures.length} of ${rows.length} PHP calls differ:\n${failures.slice(0, 30).join('\n')}`);
});

const PHP_GREEN = String.raw`<?php
[$_, $base, $login, $password, $env] = $argv;
$opts = ['trace' => 1, 'cache_wsdl' => WSDL_CACHE_NONE, 'exceptions' => true];
$sid = (new SoapClient("$base/wsdl/SessionAdminService.wsdl", $opts))->login(['login' => $login, 'password' => $password])->session_id;
$tariff = new SoapClient("$base/wsdl/TariffAdminService.wsdl", $opts);
$tariff->__setSoapHeaders([new SoapHeader('https://127.0.0.1/Porta/SOAP/Session', 'auth_info', ['session_id' => $sid, 'i_env' => (int) $env])]);
$out = ['operations' => $tariff->__getFunctions()];
$out['added'] = $tariff->add_tariff(['tariff_info' => ['name' => 'Green', 'iso_4217' => 'EUR', 'x_green_energy' => 'wind']]);
$out['info'] = $tariff->get_tariff_info(['i_tariff' => $out['added']->i_tariff]);
$out['carbon'] = $tariff->get_tariff_carbon(['i_tariff' => $out['added']->i_tariff]);
echo json_encode($out, JSON_PRESERVE_ZERO_FRACTION);
`;

test('PHP SoapClient sees a field and a method added to the simulator in the dispatcher\'s WSDL, sends them, and they reach the backend', async (t) => {
  if (!(await requirePhpSoap(t))) return;
  // A typed client drops what its WSDL does not declare: the field only reaches the backend if
  // the dispatcher's WSDL is the system's. The twin gets the same PHP run directly.
  const green = (services: SimServiceSpec[]): SimServiceSpec[] => {
    const tariff = services.find((s) => s.service === 'Tariff')!;
    tariff.types.TariffInfo!.fields.x_green_energy = { type: 'string' };
    tariff.types.GetTariffCarbonRequest = { fields: { i_tariff: { type: 'int', required: true } } };
    tariff.types.GetTariffCarbonResponse = { fields: { grams_per_minute: { type: 'float' }, success: { type: 'int' } } };
    tariff.methods.get_tariff_carbon = { request: 'GetTariffCarbonRequest', response: 'GetTariffCarbonResponse' };
    return services;
  };
  const stack = await startTwinnedStack(t, { simOptions: { extendDescription: green } });
  const args = [DEMO_ADMIN.login, DEMO_ADMIN.password, String(stack.source.env)];
  const through = await runPhp(PHP_GREEN, [stack.url('admin'), ...args]);
  assert.equal(through.code, 0, `php through the dispatcher failed: ${through.stderr}${through.stdout.slice(0, 2000)}`);
  const straight = await runPhp(PHP_GREEN, [stack.twin.source.urls.admin, ...args]);
  assert.equal(straight.code, 0, `php directly failed: ${straight.stderr}${straight.stdout.slice(0, 2000)}`);
  const out = JSON.parse(through.stdout) as { operations: string[]; info: { tariff_info: Record<string, unknown> }; carbon: Record<string, unknown> };
  assert.ok(out.operations.some((o) => o.includes('get_tariff_carbon(')), 'the dispatcher\'s WSDL declares the new method');
  const received = stack.arrivals.find((a) => a.system === 'source' && a.body !== undefined && systemsThatServed([a], 'Tariff', 'add_tariff').length > 0)?.body ?? '';
  assert.match(received, /<x_green_energy xsi:type="xsd:string">wind<\/x_green_energy>/, 'PHP sent the new field and it reached the backend');
  assert.equal(out.info.tariff_info.x_green_energy, 'wind', 'stored and read back');
  assert.deepEqual(Object.keys(out.carbon).sort(), ['grams_per_minute', 'success']);
  assert.equal(through.stdout, straight.stdout, 'the same results as directly');
});
