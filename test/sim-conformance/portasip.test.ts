import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fault, login, ok, portasipCall, simsForSuite } from '../helpers/sim.ts';
import type { RunningSimulator } from '../../src/sim/contract.ts';

const NOT_FOUND = 'Server.PortaSIP.account_not_found';

describe('the PortaSIP API listener answers for this system\'s accounts only', () => {
  const start = simsForSuite();
  let source: RunningSimulator;
  let target: RunningSimulator;
  let sourceToken: string;
  let targetToken: string;

  before(async () => {
    source = await start({ role: 'source', env: 3, seed: 1, customers: 20 });
    target = await start({ role: 'target', env: 8, seed: 1, customers: 20 });
    sourceToken = (await login(source.urls.admin, { login: 'admin', password: 'demo-admin' })).access_token;
    targetToken = (await login(target.urls.admin, { login: 'admin', password: 'demo-admin' })).access_token;
  });

  test('Voicemail/get_settings for an account of this system returns its mailbox', async () => {
    const body = ok(await portasipCall(source.urls.portasip, 'Voicemail/get_settings', { i_account: 1 }, sourceToken), 'get_settings on the source');
    const settings = body['voicemail_settings'] as Record<string, unknown> | undefined;
    assert.ok(settings && Object.keys(settings).length > 0, `voicemail_settings are not empty: ${JSON.stringify(body)}`);
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
    ok(await portasipCall(source.urls.portasip, 'Voicemail/update_settings', { i_account: 1, voicemail_settings: { pin: '4321' } }, sourceToken), 'update_settings');
    const afterUpdate = ok(await portasipCall(source.urls.portasip, 'Voicemail/get_settings', { i_account: 1 }, sourceToken));
    assert.equal((afterUpdate['voicemail_settings'] as Record<string, unknown>)['pin'], '4321');
  });

  test('update_settings with an invalid PIN is a validation fault and changes nothing', async () => {
    const before = ok(await portasipCall(source.urls.portasip, 'Voicemail/get_settings', { i_account: 1 }, sourceToken));
    const reply = await portasipCall(source.urls.portasip, 'Voicemail/update_settings', { i_account: 1, voicemail_settings: { pin: 'abc' } }, sourceToken);
    assert.equal(reply.status, 500);
    fault(reply, 'Client.validation_error');
    assert.deepEqual(ok(await portasipCall(source.urls.portasip, 'Voicemail/get_settings', { i_account: 1 }, sourceToken)), before);
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
