import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator } from '../simulator.ts';
import { baseType, buildDescription, isScalar, loadSimDescription } from './description.ts';
import type { SimServiceSpec } from './description.ts';

test('the shipped description is consistent and has a few hundred methods across the services clients call', () => {
  const d = loadSimDescription();
  const methods = [...d.services.values()].flatMap((s) => Object.keys(s.methods).map((m) => `${s.service}/${m}`));
  assert.ok(methods.length >= 300, `${methods.length} methods`);
  for (const s of ['Account', 'Customer', 'Product', 'Invoice', 'CDR', 'Subscription', 'DID', 'Reseller', 'Payment', 'Voicemail', 'AutoAttendant', 'Conference', 'Session', 'Env']) {
    assert.ok(d.services.has(s), s);
  }
  assert.ok(Object.keys(d.types.get('CustomerInfo')!.fields).length >= 60, 'CustomerInfo has its full field list');
  assert.equal(d.services.get('Invoice')!.methods.get_invoice_info!.binary?.contentType, 'application/pdf');
  assert.equal(d.services.get('CDR')!.methods.get_call_recording!.binary?.contentType, 'audio/wav');
});

test('a description naming a missing type or entity is refused with every problem listed', () => {
  const bad: SimServiceSpec = {
    service: 'X', realms: ['admin'],
    methods: { get_x_info: { request: 'GetXInfoRequest', response: 'Nope', entity: 'ghost' } },
    types: { GetXInfoRequest: { fields: { a: { type: 'Missing[]' } } } },
  };
  assert.throws(() => buildDescription([bad]), (err: Error) => /missing type Nope/.test(err.message) && /missing entity ghost/.test(err.message) && /unknown type Missing\[\]/.test(err.message));
  assert.equal(baseType('CustomerInfo[]'), 'CustomerInfo');
  assert.ok(isScalar('int[]'));
  assert.ok(!isScalar('CustomerInfo'));
});

test('the simulator serves each service description at /doc/api/<Service>Interface.json with every type it reaches', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => sim.close());
  const res = await fetch(new URL('/doc/api/InvoiceInterface.json', sim.urls.admin));
  assert.equal(res.status, 200);
  const doc = await res.json() as { name: string; methods: { name: string; request: string; response: string }[]; types: Record<string, { fields: Record<string, { type: string }> }> };
  assert.equal(doc.name, 'InvoiceInterface');
  const names = doc.methods.map((m) => m.name);
  assert.deepEqual(names, [...names].sort());
  assert.ok(names.includes('get_invoice_info') && names.includes('void_invoice'));
  for (const m of doc.methods) for (const ty of [m.request, m.response]) assert.ok(doc.types[ty], `${m.name}: ${ty}`);
  for (const [name, ty] of Object.entries(doc.types)) {
    for (const [f, spec] of Object.entries(ty.fields)) assert.ok(isScalar(spec.type) || doc.types[baseType(spec.type)], `${name}.${f}`);
  }
  const realmDoc = await (await fetch(new URL('/doc/api/CustomerInterface.json', sim.urls.admin))).json() as { realm: string };
  assert.equal(realmDoc.realm, 'customer', 'a realm name keeps its realm document');
  assert.equal((await fetch(new URL('/doc/api/NopeInterface.json', sim.urls.admin))).status, 404);
});
