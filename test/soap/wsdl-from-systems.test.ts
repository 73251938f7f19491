import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator } from '../../src/sim/simulator.ts';
import { loadSimDescription } from '../../src/sim/description/description.ts';
import { startDispatcher } from '../../src/app/create-dispatcher.ts';
import { startStack, testConfig } from '../helpers/stack.ts';
import { firstDifference } from '../helpers/twins.ts';

/**
 * Issue 16: the dispatcher serves each WSDL as the system serves it, with only the endpoint
 * addresses and included schema locations rewritten to its own. The test normalises exactly
 * those attributes of the system's WSDL (`location` of soap:address / wsdl:import,
 * `schemaLocation` of xsd:import / xsd:include: the system's origin becomes the dispatcher's,
 * the path stays) and asserts string equality; anything else rewritten shows as a difference.
 */
const REALMS = ['admin', 'reseller', 'customer', 'account'] as const;

function withAddresses(wsdl: string, systemOrigin: string, dispatcherOrigin: string): string {
  return wsdl.replace(/(\s(?:location|schemaLocation)=")([^"]*)"/g, (all, attr: string, value: string) => (
    value.startsWith(`${systemOrigin}/`) || value === systemOrigin ? `${attr}${dispatcherOrigin}${value.slice(systemOrigin.length)}"` : all
  ));
}

async function get(url: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

test('every service\'s WSDL on every realm, through the dispatcher, is the default-context system\'s with only its addresses rewritten', async (t) => {
  const d = loadSimDescription();
  const stack = await startStack(t);
  const failures: string[] = [];
  let compared = 0;
  for (const realm of REALMS) {
    for (const service of d.services.keys()) {
      const file = `${service}${realm[0]!.toUpperCase()}${realm.slice(1)}Service.wsdl`;
      const system = await get(`${stack.source.urls[realm]}/wsdl/${file}`);
      assert.equal(system.status, 200, `${realm} ${file} from the system`);
      const through = await get(`${stack.url(realm)}/wsdl/${file}`);
      compared++;
      const expected = withAddresses(system.text, stack.source.urls[realm], stack.url(realm));
      if (through.status !== 200) failures.push(`${realm} ${file}: ${through.status} ${through.text.slice(0, 200)}`);
      else if (through.type !== system.type) failures.push(`${realm} ${file}: content-type ${String(through.type)}, the system's ${String(system.type)}`);
      else if (through.text !== expected) failures.push(`${realm} ${file}: ${firstDifference(through.text, expected)}`);
    }
  }
  // The `?wsdl` form is the same document.
  for (const service of ['Customer', 'Account', 'Tariff']) {
    const through = await get(`${stack.url('admin')}/soap/${service}AdminService?wsdl`);
    const system = await get(`${stack.source.urls.admin}/wsdl/${service}AdminService.wsdl`);
    compared++;
    const expected = withAddresses(system.text, stack.source.urls.admin, stack.url('admin'));
    if (through.text !== expected) failures.push(`admin ${service}AdminService?wsdl: ${through.status} ${firstDifference(through.text, expected)}`);
  }
  assert.ok(compared >= 4 * 49, `${compared} WSDLs compared`);
  assert.equal(failures.length, 0, `${failures.length} of ${compared} WSDLs differ:\n${failures.slice(0, 30).join('\n')}`);
  // The rewriting is not vacuous: the system's WSDL names the system, the dispatcher's names the dispatcher.
  const sample = await get(`${stack.url('admin')}/wsdl/CustomerAdminService.wsdl`);
  assert.ok(sample.text.includes(`location="${stack.url('admin')}/soap/CustomerAdminService"`), 'the endpoint is the dispatcher');
  assert.ok(!sample.text.includes(stack.source.urls.admin), 'no address of the system is left');
});

test('the WSDL comes from the default-context system: with defaultContext target, a method only the target has is in it', async (t) => {
  // The two systems run different API versions: the target knows one more Tariff method.
  const source = await createSimulator({ role: 'source', env: 3, customers: 10, seed: 1 });
  t.after(() => source.close());
  const target = await createSimulator({
    role: 'target', env: 8, customers: 10, seed: 1,
    extendDescription: (services) => {
      const tariff = services.find((s) => s.service === 'Tariff')!;
      tariff.types.GetTariffCarbonRequest = { fields: { i_tariff: { type: 'int', required: true } } };
      tariff.types.GetTariffCarbonResponse = { fields: { grams_per_minute: { type: 'float' } } };
      tariff.methods.get_tariff_carbon = { request: 'GetTariffCarbonRequest', response: 'GetTariffCarbonResponse' };
      return services;
    },
  });
  t.after(() => target.close());
  for (const [context, system] of [['source', source], ['target', target]] as const) {
    const dispatcher = await startDispatcher(testConfig(source, target, { routing: { defaultContext: context } }));
    try {
      const origin = dispatcher.urls.admin!;
      const through = await get(`${origin}/wsdl/TariffAdminService.wsdl`);
      const own = await get(`${system.urls.admin}/wsdl/TariffAdminService.wsdl`);
      assert.equal(through.status, 200, `${context}: ${through.text.slice(0, 200)}`);
      assert.equal(through.text, withAddresses(own.text, system.urls.admin, origin), `defaultContext ${context}: the ${context}'s WSDL`);
      assert.equal(through.text.includes('<operation name="get_tariff_carbon">'), context === 'target');
    } finally {
      await dispatcher.close();
    }
  }
});
