import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStack, call, login } from '../helpers/stack.ts';

const NOT_READY_MS = 600;

/** A raw keep-alive HTTP/1.1 connection: its replies and whether the server closed it. */
async function rawConnection(url: string) {
  const u = new URL(url);
  const socket = createConnection({ host: u.hostname, port: Number(u.port) });
  await once(socket, 'connect');
  let buf = '';
  let closed = false;
  socket.on('data', (d: Buffer) => { buf += d.toString(); });
  socket.on('error', () => undefined);
  socket.on('close', () => { closed = true; });
  return {
    get closed() { return closed; },
    async post(path: string, body: unknown, token: string): Promise<string> {
      buf = '';
      const text = JSON.stringify(body);
      socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: ${text.length}\r\n\r\n${text}`);
      for (let i = 0; i < 250 && !/\r\n\r\n[\s\S]*\}$/.test(buf); i++) await sleep(20);
      return buf;
    },
    destroy: () => socket.destroy(),
  };
}

for (const fastPath of [true, false]) {
  test(`graceful shutdown (${fastPath ? 'lean server' : 'node:http'}): not ready at once, served while draining, calls in flight finish, keep-alives closed between requests`, async (t) => {
    const stack = await startStack(t, { config: { listen: { fastPath }, shutdown: { notReadyMs: NOT_READY_MS, timeoutMs: 5000 } } });
    const admin = stack.url('admin');
    const ops = stack.url('ops');
    const token = await login(admin, 'admin', { token: 'demo-admin-token' });
    const idle = await rawConnection(admin);
    const busy = await rawConnection(admin);
    assert.match(await busy.post('/rest/Customer/get_customer_info', { params: { i_customer: 3 } }, token), /^HTTP\/1\.1 200[\s\S]*connection: keep-alive/i);
    assert.match(await idle.post('/rest/Customer/get_customer_info', { params: { i_customer: 3 } }, token), /^HTTP\/1\.1 200/);
    // A slow call is in flight when the shutdown begins, and lasts past the not-ready window.
    await fetch(`${stack.source.urls.admin}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latency_ms: NOT_READY_MS + 400 }) });
    const slow = call(admin, 'Customer/get_customer_info', { i_customer: 5 }, token);
    await sleep(50);
    const shutdown = stack.dispatcher.shutdown();
    const ready = await fetch(`${ops}/readyz`);
    assert.equal(ready.status, 503, 'not ready at once');
    assert.equal(((await ready.json()) as { status: string }).status, 'shutting down');
    await fetch(`${stack.source.urls.admin}/sim/faults`, { method: 'DELETE' });
    const during = await busy.post('/rest/Customer/get_customer_info', { params: { i_customer: 3 } }, token);
    assert.match(during, /^HTTP\/1\.1 200/, 'a call during the not-ready window is served');
    assert.match(during, /connection: close/i, '… and closes its connection');
    assert.equal(idle.closed, false, 'an idle keep-alive connection is left alone during the window (the balancer may still use it)');
    const outcome = await shutdown;
    assert.equal((await slow).status, 200, 'the call in flight finished');
    assert.equal(outcome.cut, 0, 'nothing had to be cut');
    assert.ok(idle.closed, 'the idle keep-alive connection was closed');
    await assert.rejects(fetch(`${admin}/rest/Session/ping`, { method: 'POST' }), 'the listener no longer accepts');
    idle.destroy();
    busy.destroy();
  });
}

test('graceful shutdown cuts a call that outlives shutdown.timeoutMs', async (t) => {
  const stack = await startStack(t, { config: { shutdown: { notReadyMs: 0, timeoutMs: 300 } } });
  const admin = stack.url('admin');
  const token = await login(admin, 'admin', { token: 'demo-admin-token' });
  await fetch(`${stack.source.urls.admin}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latency_ms: 3000 }) });
  const stuck = call(admin, 'Customer/get_customer_info', { i_customer: 5 }, token).then(() => 'answered', () => 'cut');
  await sleep(100);
  const outcome = await stack.dispatcher.shutdown();
  await fetch(`${stack.source.urls.admin}/sim/faults`, { method: 'DELETE' });
  assert.equal(outcome.cut, 1, 'one connection was still busy at the deadline');
  assert.equal(await stuck, 'cut');
});
