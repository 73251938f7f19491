import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../helpers/stack.ts';
import { buildRequest, hostOf, sendRaw } from '../helpers/wire.ts';
import type { SimHttpRoute } from '../../src/sim/http/sim-http.ts';
import type { SimulatorInstance } from '../../src/sim/simulator.ts';

const REALMS = [['admin', 'Admin'], ['reseller', 'Reseller'], ['customer', 'Customer'], ['account', 'Account']] as const;

function get(url: string, path: string) {
  return sendRaw(url, buildRequest('GET', path, [['Host', hostOf(url)]]));
}

/** A doc route on every realm listener of a simulator that answers with its role and counts the hits. */
function markDocs(sim: SimulatorInstance): { hits: string[] } {
  const seen = { hits: [] as string[] };
  const route: SimHttpRoute = {
    name: 'test-docs',
    matches: (_m, rawPath) => rawPath.startsWith('/doc/api/'),
    fault: () => ({ status: 500, headers: {}, body: '' }),
    handle(req) {
      seen.hits.push(`${req.listener} ${req.rawPath}`);
      return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'max-age=60' }, body: JSON.stringify({ servedBy: sim.role, listener: req.listener }) };
    },
  };
  for (const [realm] of REALMS) sim.mount(realm, route);
  return seen;
}

test('each realm listener of the dispatcher serves that realm\'s API doc byte for byte as the source system does', async (t) => {
  const stack: Stack = await startStack(t);
  for (const [realm, x] of REALMS) {
    const path = `/doc/api/${x}Interface.json`;
    const direct = await get(stack.source.urls[realm], path);
    const via = await get(stack.url(realm), path);
    assert.equal(via.status, 200, `${realm}: ${via.text.slice(0, 200)}`);
    assert.equal(via.headers['content-type'], 'application/json');
    assert.equal(via.text, direct.text, `${realm}: the doc passes through unchanged`);
    assert.equal((JSON.parse(via.text) as { name: string }).name, `${x}Interface`);
  }
});

test('the docs come from the default-context system, from the listener of the realm asked on', async (t) => {
  const stack = await startStack(t, { config: { routing: { defaultContext: 'target' } } });
  const onSource = markDocs(stack.source);
  const onTarget = markDocs(stack.target);
  const reply = await get(stack.url('customer'), '/doc/api/CustomerInterface.json');
  assert.equal(reply.status, 200);
  assert.deepEqual(JSON.parse(reply.text), { servedBy: 'target', listener: 'customer' });
  assert.equal(reply.headers['cache-control'], 'max-age=60');
  assert.deepEqual(onTarget.hits, ['customer /doc/api/CustomerInterface.json']);
  assert.deepEqual(onSource.hits, []);
});

test('doc names outside [A-Za-z]+Interface.json are refused with 404 and never reach a backend', async (t) => {
  const stack = await startStack(t);
  const onSource = markDocs(stack.source);
  const onTarget = markDocs(stack.target);
  for (const path of [
    '/doc/api/../rest/Generic/get_version',
    '/doc/api/%2e%2e/AdminInterface.json',
    '/doc/api/AdminInterface.json.bak',
    '/doc/api/Admin%20Interface.json',
    '/doc/api/sub/AdminInterface.json',
    '/doc/api/AdminInterface',
    '/doc/api/',
    '/doc/api/Admin1Interface.json',
  ]) {
    const reply = await get(stack.url('admin'), path);
    assert.equal(reply.status, 404, path);
    assert.equal((JSON.parse(reply.text) as { faultcode: string }).faultcode, 'Server.Dispatcher.not_found', path);
  }
  assert.deepEqual(onSource.hits, []);
  assert.deepEqual(onTarget.hits, []);
});

test('a backend\'s 404 for an unknown interface is passed through as its JSON fault', async (t) => {
  const stack = await startStack(t);
  const reply = await get(stack.url('admin'), '/doc/api/NopeInterface.json');
  assert.equal(reply.status, 404);
  assert.match(reply.headers['content-type'] ?? '', /application\/json/);
  assert.equal((JSON.parse(reply.text) as { faultcode: string }).faultcode, 'Client.unknown_method');
});

test('only GET is proxied: a POST to a doc path is an ordinary API request and the PortaSIP listener serves no docs', async (t) => {
  const stack = await startStack(t);
  const onSource = markDocs(stack.source);
  const post = await sendRaw(stack.url('admin'), buildRequest('POST', '/doc/api/AdminInterface.json', [['Host', hostOf(stack.url('admin'))], ['Content-Type', 'application/json'], ['Content-Length', '2']], '{}'));
  assert.notEqual(post.status, 200);
  const sip = await get(stack.url('portasip'), '/doc/api/AdminInterface.json');
  assert.notEqual(sip.status, 200);
  assert.deepEqual(onSource.hits, []);
});

test('an unreachable default-context system is a backend_unavailable fault, not a hang', async (t) => {
  const stack = await startStack(t);
  await stack.source.close();
  const reply = await get(stack.url('admin'), '/doc/api/AdminInterface.json');
  assert.equal(reply.status, 500);
  assert.equal((JSON.parse(reply.text) as { faultcode: string }).faultcode, 'Server.Dispatcher.backend_unavailable');
});
