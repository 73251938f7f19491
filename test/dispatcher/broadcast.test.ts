import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_ACCOUNT, DEMO_ADMIN, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';
import { migrate } from '../helpers/stack.ts';
import { loginFull, setFaults, startSpiedStack, type Reply } from './support.ts';

async function portasip(url: string, serviceMethod: string, params: unknown, token: string): Promise<Reply> {
  const res = await fetch(`${url}/portasip/${serviceMethod}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ params }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) as Record<string, unknown> };
}

test('a voicemail setting changed through the PortaSIP listener lands where each account lives', async (t) => {
  const stack = await startSpiedStack(t);
  const creds = await loginFull(stack.url('admin'), { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token });
  const url = stack.url('portasip');
  for (const [iAccount, home, pin] of [[DEMO_ACCOUNT.iAccount, 'source', '4321'], [2, 'target', '8765']] as const) {
    const from = stack.seen.length;
    const r = await portasip(url, 'Voicemail/update_settings', { i_account: iAccount, voicemail_settings: { pin } }, creds.access_token);
    assert.equal(r.status, 200, r.text);
    assert.equal((r.json.voicemail_settings as { pin: string }).pin, pin);
    const sent = stack.seen.slice(from).filter((s) => s.path === '/portasip/Voicemail/update_settings');
    assert.deepEqual(sent.map((s) => s.system).sort(), ['source', 'target'], 'sent to both systems');
    assert.ok(sent.every((s) => s.listener === 'portasip'));
    const sim = stack.sim(home);
    const acct = sim.system.store.getAccount(iAccount)!;
    assert.equal(sim.system.store.portaSipOf(acct).voicemail.pin, pin, `stored on the ${home}`);
    const got = await portasip(url, 'Voicemail/get_settings', { i_account: iAccount }, creds.access_token);
    assert.equal((got.json.voicemail_settings as { pin: string }).pin, pin);
  }
});

test('after a move the broadcast reaches the account on its new system', async (t) => {
  const stack = await startSpiedStack(t);
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  const creds = await loginFull(stack.url('admin'), { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const r = await portasip(stack.url('portasip'), 'Voicemail/update_settings', { i_account: DEMO_ACCOUNT.iAccount, voicemail_settings: { greeting: 'moved' } }, creds.access_token);
  assert.equal(r.status, 200, r.text);
  const acct = stack.target.system.store.getAccount(DEMO_ACCOUNT.iAccount)!;
  assert.equal(stack.target.system.store.portaSipOf(acct).voicemail.greeting, 'moved');
});

test('when both systems fail, the more specific fault wins over not-found', async (t) => {
  const stack = await startSpiedStack(t);
  const creds = await loginFull(stack.url('admin'), { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  const url = stack.url('portasip');
  // Source: a validation fault (bad pin); target: account not found.
  const r = await portasip(url, 'Voicemail/update_settings', { i_account: DEMO_ACCOUNT.iAccount, voicemail_settings: { pin: 'x' } }, creds.access_token);
  assert.equal(r.status, 500, r.text);
  assert.doesNotMatch(String(r.json.faultcode), /not_?found/i);
  assert.match(String(r.json.faultstring), /pin/);
  // Neither holds it: not found is all there is.
  const nf = await portasip(url, 'Voicemail/get_settings', { i_account: 999_999_999 }, creds.access_token);
  assert.equal(nf.status, 500);
  assert.match(String(nf.json.faultcode), /not_found/);
  // One system down and the other not holding it: not-found beats the outage.
  await setFaults(stack.source, { outage: 'refuse' });
  const down = await portasip(url, 'Voicemail/get_settings', { i_account: 999_999_999 }, creds.access_token);
  assert.equal(down.status, 500);
  assert.match(String(down.json.faultcode), /not_found/, down.text);
});

test('a slow second system does not change the answer and its late reply is discarded', async (t) => {
  const stack = await startSpiedStack(t);
  const creds = await loginFull(stack.url('admin'), { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password });
  await setFaults(stack.target, { latency_ms: 300 });
  const url = stack.url('portasip');
  for (let i = 0; i < 3; i++) {
    const r = await portasip(url, 'Voicemail/update_settings', { i_account: DEMO_ACCOUNT.iAccount, voicemail_settings: { email: `slow${i}@example.com` } }, creds.access_token);
    assert.equal(r.status, 200, r.text);
    assert.equal((r.json.voicemail_settings as { email: string }).email, `slow${i}@example.com`);
  }
  await setFaults(stack.target, { latency_ms: 0 });
  // The pools still work after the discarded late replies.
  const r = await portasip(url, 'Voicemail/get_settings', { i_account: 2 }, creds.access_token);
  assert.equal(r.status, 200, r.text);
});
