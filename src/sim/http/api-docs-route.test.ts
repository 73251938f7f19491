import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator } from '../simulator.ts';
import { login, postJson, send } from '../testing/sim-test-client.ts';
import { DEMO_ADMIN } from '../demo-fixtures.ts';
import { SimFaultCode } from '../api/sim-faults.ts';

interface Doc {
  name: string;
  realm: string;
  services: { name: string; methods: { name: string; rest: string }[] }[];
}

test('each realm\'s API doc lists exactly the methods the simulator routes, sorted, plus the Session service', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => sim.close());
  const res = await fetch(new URL('/doc/api/ResellerInterface.json', sim.urls.admin));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  const doc = await res.json() as Doc;
  assert.equal(doc.name, 'ResellerInterface');
  assert.equal(doc.realm, 'reseller');
  const listed = doc.services.flatMap((s) => s.methods.map((m) => `${s.name}/${m.name}`));
  const expected = [...sim.api.methods('reseller')];
  assert.deepEqual(listed.filter((m) => !m.startsWith('Session/')).sort(), expected.sort());
  assert.deepEqual(listed, [...listed].sort(), 'services and methods are sorted');
  for (const s of doc.services) for (const m of s.methods) assert.equal(m.rest, `/rest/${s.name}/${m.name}`);

  const { access_token } = await login(sim.urls.admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  for (const m of listed.filter((x) => x.startsWith('Session/'))) {
    const r = await postJson(sim.urls.admin, `/rest/${m}`, {}, access_token);
    assert.notEqual(r.body.faultcode, SimFaultCode.unknownMethod, `${m} is answered`);
  }
});

test('the same document is served on every realm listener and is byte-stable', async (t) => {
  const sim = await createSimulator({ role: 'target', env: 8, customers: 5 });
  t.after(() => sim.close());
  const texts = await Promise.all([sim.urls.admin, sim.urls.customer, sim.urls.account].map(async (u) => (await fetch(new URL('/doc/api/CustomerInterface.json', u))).text()));
  assert.equal(new Set(texts).size, 1);
});

test('unknown doc names are a 404 JSON fault, other HTTP methods a 405, and the PortaSIP listener has no docs', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => sim.close());
  for (const path of ['/doc/api/NopeInterface.json', '/doc/api/AdminInterface.json/../x', '/doc/api/']) {
    const r = await send(sim.urls.admin, path, { method: 'GET' });
    assert.equal(r.status, 404, path);
    assert.equal(r.body.faultcode, SimFaultCode.unknownMethod, path);
  }
  const post = await send(sim.urls.admin, '/doc/api/AdminInterface.json', { method: 'POST', body: '{}' });
  assert.equal(post.status, 405);
  assert.match(post.contentType, /application\/json/);
  const sip = await send(sim.urls.portasip, '/doc/api/AdminInterface.json', { method: 'GET' });
  assert.equal(sip.status, 404);
});
