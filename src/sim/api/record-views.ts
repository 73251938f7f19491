import type { JsonObject } from '../../core/api-call.ts';
import type { SimPrincipal } from '../auth/principal.ts';
import type { SimAccount, SimCustomer } from '../model/records.ts';
import type { SimStore } from '../model/sim-store.ts';

/** Name of the field that marks a customer (and its accounts) transferred to the other system. */
export const MIGRATION_STATUS_FIELD = 'migration_status';
export const MIGRATION_STATUS_MOVED = 'moved';

function withMoved(out: JsonObject, store: SimStore, iCustomer: number): JsonObject {
  const mark = store.movedMark(iCustomer);
  if (mark) {
    out[MIGRATION_STATUS_FIELD] = MIGRATION_STATUS_MOVED;
    out.moved_at = mark.moved_at;
    out.moved_to = mark.moved_to;
  }
  return out;
}

/** A customer as the API shows it: its fields, this system's i_env, and the moved marker. */
export function customerView(c: SimCustomer, store: SimStore, env: number, viewer: SimPrincipal): JsonObject {
  const out: JsonObject = { ...c, i_env: env };
  if (viewer.realm === 'customer' || viewer.realm === 'account') delete out.password;
  return withMoved(out, store, c.i_customer);
}

export function accountView(a: SimAccount, store: SimStore, env: number, viewer: SimPrincipal): JsonObject {
  const out: JsonObject = { ...a, i_env: env };
  if (viewer.realm === 'customer' || viewer.realm === 'account') delete out.password;
  return withMoved(out, store, a.i_customer);
}
