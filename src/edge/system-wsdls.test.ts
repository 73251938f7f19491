import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator } from '../sim/simulator.ts';
import type { SimulatorOptions } from '../sim/contract.ts';
import { demoConfig } from '../app/demo-config.ts';
import { BackendClient } from '../backends/backend-client.ts';
import { fingerprint, withOrigin } from '../backends/system-wsdl.ts';
import { compareWsdls } from '../consistency/api-versions.ts';
import { isApiFault } from '../core/faults.ts';
import { SystemWsdls } from './system-wsdls.ts';

async function systems(t: TestContext, target: Partial<SimulatorOptions> = {}) {
  const source = await createSimulator({ role: 'source', env: 3, customers: 2 });
  t.after(() => source.close());
  const tgt = await createSimulator({ role: 'target', env: 8, customers: 2, ...target });
  t.after(() => tgt.close());
  const backends = new BackendClient(demoConfig(source, tgt));
  t.after(() => backends.close());
  return { source, target: tgt, backends };
}

test('addresses get the new origin, paths kept; namespaces and everything else stay', () => {
  const text = `<definitions targetNamespace="https://pb.one/Porta/SOAP/Customer"><xsd:include schemaLocation='https://pb.one:8444/wsdl/types.xsd'/><soap:address location="http://10.0.0.1:8444/soap/CustomerAdminService"/><x location="relative/path"/></definitions>`;
  assert.equal(withOrigin(text, 'https://api.example.net/'),
    `<definitions targetNamespace="https://pb.one/Porta/SOAP/Customer"><xsd:include schemaLocation='https://api.example.net/wsdl/types.xsd'/><soap:address location="https://api.example.net/soap/CustomerAdminService"/><x location="relative/path"/></definitions>`);
});

test('a fingerprint ignores the serving host and reads a stated version; another method changes it', () => {
  const wsdl = (host: string, extra = '') => `<definitions targetNamespace="https://${host}/Porta/SOAP/Customer"><documentation>PortaBilling API version MR105</documentation><operation name="get_customer_info"/>${extra}<soap:address location="https://${host}:8444/soap/CustomerAdminService"/></definitions>`;
  assert.deepEqual(fingerprint(wsdl('source.pb')), fingerprint(wsdl('target.pb')));
  assert.equal(fingerprint(wsdl('a')).version, 'MR105');
  assert.notEqual(fingerprint(wsdl('a', '<operation name="get_customer_carbon"/>')).sha256, fingerprint(wsdl('a')).sha256);
  assert.equal(fingerprint('<definitions/>').version, undefined);
});

test('a WSDL comes from the preferred system, is cached, served stale while refetched, and from the other system when the preferred one is down', async (t) => {
  const { source, target, backends } = await systems(t);
  let now = 1_000_000;
  const wsdls = new SystemWsdls(backends, { preferred: 'source', refreshMs: 60_000, now: () => now });
  const first = await wsdls.get('admin', 'CustomerAdminService.wsdl', 'r1');
  assert.equal(first.system, 'source');
  assert.equal(first.text, await (await fetch(`${source.urls.admin}/wsdl/CustomerAdminService.wsdl`)).text(), 'the system\'s text as it serves it');
  await source.close();
  assert.equal(await wsdls.get('admin', 'CustomerAdminService.wsdl', 'r2'), first, 'cached: the source is not asked again');
  now += 60_000;
  assert.equal(await wsdls.get('admin', 'CustomerAdminService.wsdl', 'r3'), first, 'stale copy served while it is fetched again');
  let refreshed = first;
  for (let i = 0; i < 100 && refreshed.system === 'source'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    refreshed = await wsdls.get('admin', 'CustomerAdminService.wsdl', 'r4');
  }
  assert.equal(refreshed.system, 'target', 'the refresh fell back to the target');
  assert.equal(refreshed.text, await (await fetch(`${target.urls.admin}/wsdl/CustomerAdminService.wsdl`)).text());
});

test('a WSDL no system has is a 404 fault; a bad file name is refused before anything is sent', async (t) => {
  const { backends } = await systems(t);
  const wsdls = new SystemWsdls(backends, { preferred: 'target' });
  for (const name of ['NopeAdminService.wsdl', '../etc/passwd', '.hidden', 'a/b.wsdl']) {
    await assert.rejects(wsdls.get('admin', name, 'r'), (err: unknown) => isApiFault(err) && err.httpStatus === 404 && err.faultcode === 'Server.Dispatcher.not_found', name);
  }
});

test('the systems\' WSDLs compare equal on the same release, and differ when the target has a method more', async (t) => {
  const same = await systems(t);
  const equal = await compareWsdls(same.backends, ['CustomerAdminService.wsdl', 'NopeAdminService.wsdl'], 'r');
  assert.equal(equal[0]!.same, true, JSON.stringify(equal[0]));
  assert.equal('version' in equal[0]!.source && equal[0]!.source.version, 'MR105-sim');
  assert.equal(equal[1]!.same, false);
  assert.match('error' in equal[1]!.source ? equal[1]!.source.error : '', /404/);
  const newer = await systems(t, {
    extendDescription: (services) => {
      const customer = services.find((s) => s.service === 'Customer')!;
      customer.types.GetCustomerCarbonRequest = { fields: { i_customer: { type: 'int', required: true } } };
      customer.types.GetCustomerCarbonResponse = { fields: { grams: { type: 'float' } } };
      customer.methods.get_customer_carbon = { request: 'GetCustomerCarbonRequest', response: 'GetCustomerCarbonResponse' };
      return services;
    },
  });
  const [differs] = await compareWsdls(newer.backends, ['CustomerAdminService.wsdl'], 'r');
  assert.equal(differs!.same, false);
  assert.ok('sha256' in differs!.source && 'sha256' in differs!.target && differs!.source.sha256 !== differs!.target.sha256);
});
