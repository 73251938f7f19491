import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fault, login, ok, portasipCall, startSim } from '../helpers/sim.ts';
import type { RunningSimulator } from '../../src/sim/contract.ts';

const NOT_FOUND = 'Server.PortaSIP.account_not_found';

describe('the PortaSIP API listener answers for this system\'s accounts only', () => {
  let source: RunningSimulator;
  let target: RunningSimulator;
  let sourceToken: string;
  let targetToken: string;

  before(async () => {
    source = await startSim({ after }, { role: 'source', env: 3, seed: 1, customers: 20 });
    target = await startSim({ after }, { role: 'target', env: 8, seed: 1, customers: 20 });
    sourceToken = (await login(source.urls.admin, { login: 'admin', password: 'demo-admin' })).access_token;
    targetToken = (await login(target.urls.admin, { login: 'admin', password: 'demo-admin' })).access_token;
  });

  test('Voicemail/get_settings for an account of this system returns its mailbox', async () => {
    const body = ok(await portasipCall(source.urls.portasip, 'Voicemail/get_settings', { i_account: 1 }, sourceToken), 'get_settings on the source');
    assert.ok(Object.keys(body).length > 0, 'settings are not empty');
    const onTarget = ok(await portasipCall(target.urls.portasip, 'Voicemail/get_settings', { i_account: 2 }, targetToken), 'get_settings on the target');
    assert.ok(Object.keys(onTarget).length > 0);
  });

  test('Voicemail/get_settings for an account this system does not hold is a not-found fault', async () => {
    for (const [sim, token, iAccount] of [[source, sourceToken, 2], [source, sourceToken, 999_999_999], [target, targetToken, 1]] as const) {
      const reply = await portasipCall(sim.urls.portasip, 'Voicemail/get_settings', { i_account: iAccount }, token);
      assert.equal(reply.status, 500, `${sim.role} i_account ${iAccount}: ${reply.text}`);
      fault(reply, NOT_FOUND, `${sim.role} i_account ${iAccount}`);
    }
  });

  test('update_settings is kept and read back', async () => {
    const before = ok(await portasipCall(source.urls.portasip, 'Voicemail/get_settings', { i_account: 1 }, sourceToken));
    ok(await portasipCall(source.urls.portasip, 'Voicemail/update_settings', { i_account: 1, settings: { ...(before['settings'] as object | undefined), password: '4321' }, password: '4321' }, sourceToken), 'update_settings');
    const afterUpdate = await portasipCall(source.urls.portasip, 'Voicemail/get_settings', { i_account: 1 }, sourceToken);
    assert.ok(afterUpdate.text.includes('"4321"'), `the new PIN is read back: ${afterUpdate.text.slice(0, 300)}`);
  });

  test('auto-attendant and conferencing answer for an account of this system', async () => {
    ok(await portasipCall(source.urls.portasip, 'AutoAttendant/get_menu', { i_account: 1 }, sourceToken), 'get_menu');
    const rooms = ok(await portasipCall(source.urls.portasip, 'Conference/get_room_list', { i_account: 1 }, sourceToken), 'get_room_list');
    assert.ok(Object.values(rooms).some(Array.isArray), 'a room list');
    fault(await portasipCall(source.urls.portasip, 'AutoAttendant/get_menu', { i_account: 2 }, sourceToken), NOT_FOUND);
  });

  test('a PortaSIP call without a session is refused with a session fault', async () => {
    const reply = await portasipCall(source.urls.portasip, 'Voicemail/get_settings', { i_account: 1 });
    assert.equal(reply.status, 500);
    fault(reply, /^(Server\.Session\.check_auth\.auth_failed|Client\.check_auth\.envelope_missed)$/);
  });
});
