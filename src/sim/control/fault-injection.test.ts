import { test } from 'node:test';
import { connect as netConnect } from 'node:net';
import assert from 'node:assert/strict';
import { createSimulator } from '../simulator.ts';
import { login, postJson, send } from '../testing/sim-test-client.ts';
import { DEMO_ADMIN } from '../demo-fixtures.ts';

const setFaults = (base: string, body: object) => send(base, '/sim/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const clearFaults = (base: string) => send(base, '/sim/faults', { method: 'DELETE' });

test('an error rate of 1 fails every API call with the injected fault, and DELETE clears it', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => sim.close());
  const s = await login(sim.urls.admin, 'admin', { token: DEMO_ADMIN.token });
  assert.equal((await setFaults(sim.urls.admin, { error_rate: 1, latency_ms: 5 })).status, 200);
  const r = await postJson(sim.urls.admin, '/rest/Generic/get_version', {}, s.access_token);
  assert.equal(r.status, 500);
  assert.equal(r.body.faultcode, 'Server.Sim.injected_error');
  assert.equal((await send(sim.urls.admin, '/sim/info', { method: 'GET' })).status, 200, 'control routes are exempt');
  await clearFaults(sim.urls.admin);
  assert.equal((await postJson(sim.urls.admin, '/rest/Generic/get_version', {}, s.access_token)).status, 200);
});

test('refused logins fail while existing sessions keep working', async (t) => {
  const sim = await createSimulator({ role: 'target', env: 8, customers: 5 });
  t.after(() => sim.close());
  const s = await login(sim.urls.admin, 'admin', { token: DEMO_ADMIN.token });
  await setFaults(sim.urls.admin, { refuse_logins: true });
  assert.equal((await postJson(sim.urls.admin, '/rest/Session/login', { login: 'admin', token: DEMO_ADMIN.token })).body.faultcode, 'Server.Session.auth_failed');
  assert.equal((await postJson(sim.urls.admin, '/rest/Generic/get_version', {}, s.access_token)).status, 200);
});

test('a refuse outage closes the other listeners and resets admin API calls until cleared', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => sim.close());
  assert.equal((await setFaults(sim.urls.admin, { outage: 'refuse' })).status, 200);
  await assert.rejects(fetch(`${sim.urls.customer}/rest/Session/login`, { method: 'POST', body: '{}' }), (err: Error) => {
    const cause = (err as Error & { cause?: { code?: string } }).cause;
    assert.equal(cause?.code, 'ECONNREFUSED');
    return true;
  });
  await assert.rejects(fetch(`${sim.urls.admin}/rest/Session/login`, { method: 'POST', body: '{}' }));
  assert.equal((await clearFaults(sim.urls.admin)).status, 200);
  const r = await postJson(sim.urls.customer, '/rest/Session/login', { login: 'john.doe', password: 'demo-john' });
  assert.equal(r.status, 200);
});

test('a reset outage destroys connections of API calls', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => sim.close());
  await setFaults(sim.urls.admin, { outage: 'reset' });
  await assert.rejects(fetch(`${sim.urls.account}/rest/Session/login`, { method: 'POST', body: '{}' }));
  await clearFaults(sim.urls.admin);
  assert.equal((await postJson(sim.urls.account, '/rest/Session/ping', {})).status, 200);
});

test('invalid fault settings are refused and change nothing', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => sim.close());
  const r = await setFaults(sim.urls.admin, { error_rate: 2 });
  assert.equal(r.body.faultcode, 'Client.validation_error');
  const bad = await setFaults(sim.urls.admin, { outage: 'sometimes' });
  assert.equal(bad.body.faultcode, 'Client.validation_error');
  const now = await send(sim.urls.admin, '/sim/faults', { method: 'GET' });
  assert.deepEqual(now.body.faults, { latency_ms: 0, jitter_ms: 0, error_rate: 0, refuse_logins: false, outage: 'none', reply: 'none' });
});

/** Sends one raw request and collects what comes back until the peer ends, resets, or `quietMs` of silence. */
function rawExchange(base: string, path: string, quietMs: number): Promise<{ bytes: Buffer; ending: 'end' | 'reset' | 'silent' }> {
  const u = new URL(base);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = netConnect(Number(u.port), u.hostname);
    let timer = setTimeout(() => done('silent'), quietMs);
    const done = (ending: 'end' | 'reset' | 'silent') => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks), ending });
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      clearTimeout(timer);
      timer = setTimeout(() => done('silent'), quietMs);
    });
    socket.on('end', () => done('end'));
    socket.on('error', () => done('reset'));
    socket.write(`POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"params":{}}`);
  });
}

test('reply faults break every API reply in the way asked, control routes stay exempt, and none restores', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => sim.close());
  const path = '/rest/Session/ping';
  const expect: Record<string, (r: { bytes: Buffer; ending: string }) => void> = {
    reset_head: (r) => { assert.equal(r.bytes.length, 0); assert.equal(r.ending, 'reset'); },
    reset_body: (r) => { assert.match(r.bytes.toString('latin1'), /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\{/); assert.equal(r.ending, 'reset'); },
    stall_head: (r) => { assert.equal(r.bytes.length, 0); assert.equal(r.ending, 'silent'); },
    stall_body: (r) => { assert.match(r.bytes.toString('latin1'), /Content-Type: application\/json[^]*Content-Length: \d+\r\n\r\n\{"customer_info"/); assert.equal(r.ending, 'silent'); },
    trickle: (r) => { assert.equal(r.bytes.toString('latin1'), 'H'); assert.equal(r.ending, 'silent'); },
    html_5xx: (r) => { assert.match(r.bytes.toString('latin1'), /^HTTP\/1\.1 502 Bad Gateway\r\n[^]*text\/html[^]*<html>/); assert.equal(r.ending, 'end'); },
    truncated_chunked: (r) => { assert.match(r.bytes.toString('latin1'), /Transfer-Encoding: chunked\r\n\r\n28\r\n/); assert.doesNotMatch(r.bytes.toString('latin1'), /0\r\n\r\n$/); assert.equal(r.ending, 'end'); },
    garbage: (r) => { assert.doesNotMatch(r.bytes.toString('latin1'), /^HTTP\//); assert.equal(r.ending, 'end'); },
    oversize_head: (r) => { assert.ok(r.bytes.indexOf('\r\n\r\n') > 80 * 1024); assert.equal(r.ending, 'end'); },
  };
  for (const [kind, check] of Object.entries(expect)) {
    assert.equal((await setFaults(sim.urls.admin, { reply: kind })).status, 200, kind);
    check(await rawExchange(sim.urls.admin, path, 400));
    assert.equal((await send(sim.urls.admin, '/sim/info', { method: 'GET' })).status, 200, `${kind}: control routes are exempt`);
  }
  assert.equal((await setFaults(sim.urls.admin, { reply: 'stall_head' })).status, 200);
  assert.equal((await rawExchange(sim.urls.portal!, '/login', 300)).ending, 'silent', 'the portal face stalls too');
  assert.equal((await setFaults(sim.urls.admin, { reply: 'stall_body' })).status, 200);
  assert.match((await rawExchange(sim.urls.portal!, '/login', 300)).bytes.toString('latin1'), /Content-Type: text\/html[^]*\r\n\r\n<!DOCTYPE html>/, 'a web face breaks a page');
  assert.equal((await setFaults(sim.urls.admin, { reply: 'sometimes' })).body.faultcode, 'Client.validation_error');
  await setFaults(sim.urls.admin, { reply: 'none' });
  assert.equal((await postJson(sim.urls.admin, path, {})).status, 200);
});
