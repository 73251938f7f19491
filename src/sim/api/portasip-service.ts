import type { JsonObject } from '../../core/api-call.ts';
import type { SimHandlerTable, SimSystem } from './sim-context.ts';
import { findAccount, logWrite } from './locate.ts';
import { optObject, optString, reqInt } from './params.ts';
import { simFault } from './sim-faults.ts';
import type { SimAccount } from '../model/records.ts';
import type { SimCallContext } from './sim-context.ts';

const VOICEMAIL_FIELDS = ['pin', 'email', 'notify', 'greeting', 'auto_play'] as const;

/**
 * The PortaSIP API (its own listener): voicemail, auto-attendant and conference settings of an
 * account. An account this system does not hold — never had, or moved away — is not found, so a
 * dispatcher that broadcasts to both systems gets exactly one success.
 */
export function registerPortaSipService(table: SimHandlerTable, sys: SimSystem): void {
  const { store } = sys;
  const account = (ctx: SimCallContext, params: JsonObject): SimAccount => {
    const id = reqInt(params, 'i_account');
    const a = findAccount(sys, ctx, { i_account: id }, 'portaSipAccountNotFound');
    if (store.movedMark(a.i_customer)) throw simFault('portaSipAccountNotFound', `Account not found: i_account ${id} (moved to another system)`);
    return a;
  };

  table.set('Voicemail/get_settings', (ctx, params) => ({ voicemail_settings: store.portaSipOf(account(ctx, params)).voicemail }));
  table.set('Voicemail/update_settings', (ctx, params) => {
    const a = account(ctx, params);
    const src = optObject(params, 'voicemail_settings') ?? params;
    const patch: JsonObject = {};
    for (const f of VOICEMAIL_FIELDS) {
      const v = optString(src, f);
      if (v !== undefined) patch[f] = v;
    }
    if (typeof patch.pin === 'string' && !/^\d{4,10}$/.test(patch.pin)) throw simFault('validation', `pin must be 4 to 10 digits, got ${JSON.stringify(patch.pin)}`);
    const state = store.portaSipOf(a);
    state.voicemail = { ...state.voicemail, ...patch };
    logWrite(sys, 'Voicemail/update_settings', a.i_customer, a.i_account, patch);
    return { voicemail_settings: state.voicemail };
  });

  table.set('AutoAttendant/get_menu', (ctx, params) => ({ menu: store.portaSipOf(account(ctx, params)).menu }));
  table.set('AutoAttendant/update_menu', (ctx, params) => {
    const a = account(ctx, params);
    const menu = optObject(params, 'menu');
    if (!menu) throw simFault('validation', 'Parameter menu is required');
    const patch: JsonObject = {};
    const name = optString(menu, 'name');
    const prompt = optString(menu, 'prompt');
    if (name !== undefined) patch.name = name;
    if (prompt !== undefined) patch.prompt = prompt;
    if (menu.actions !== undefined) {
      if (!Array.isArray(menu.actions)) throw simFault('validation', 'menu.actions must be a list');
      patch.actions = menu.actions;
    }
    const state = store.portaSipOf(a);
    state.menu = { ...state.menu, ...patch };
    logWrite(sys, 'AutoAttendant/update_menu', a.i_customer, a.i_account, patch);
    return { menu: state.menu };
  });

  table.set('Conference/get_room_list', (ctx, params) => ({ room_list: store.portaSipOf(account(ctx, params)).rooms }));
  table.set('Conference/add_room', (ctx, params) => {
    const a = account(ctx, params);
    const src = optObject(params, 'room') ?? params;
    const name = optString(src, 'name');
    if (name === undefined || name === '') throw simFault('validation', 'Room name is required');
    const pin = optString(src, 'pin') ?? '';
    const state = store.portaSipOf(a);
    const i_room = a.i_account * 100 + state.rooms.length + 1;
    const room: JsonObject = { i_room, i_account: a.i_account, name, pin };
    state.rooms = [...state.rooms, room];
    logWrite(sys, 'Conference/add_room', a.i_customer, a.i_account, room);
    return { i_room };
  });
}
