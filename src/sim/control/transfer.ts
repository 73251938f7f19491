import type { JsonObject } from '../../core/api-call.ts';
import { ApiFault, isApiFault } from '../../core/faults.ts';
import type { SimSystem } from '../api/sim-context.ts';
import { optInt, optString } from '../api/params.ts';
import { simFault } from '../api/sim-faults.ts';
import type { CustomerBundle } from '../model/sim-store.ts';
import { formatPortaTime } from '../model/porta-time.ts';
import { exportDevices, importDevices } from '../provisioning/device-registry.ts';

/** How long the sender waits for the receiver's `/sim/import`. */
export const TRANSFER_TIMEOUT_MS = 15_000;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `POST /sim/transfer {"i_customer","target"}`: the simulator's stand-in for the operator's
 * migration tool. The customer is marked moved *before* its snapshot is sent (same tick), so no
 * write can be applied here after the copy; if the receiver fails, the mark is removed again.
 */
export async function transferCustomer(sys: SimSystem, body: JsonObject): Promise<JsonObject> {
  const iCustomer = optInt(body, 'i_customer');
  const target = optString(body, 'target');
  if (iCustomer === undefined) throw simFault('validation', 'i_customer is required');
  if (target === undefined) throw simFault('validation', 'target (the other simulator\'s admin URL) is required');
  let targetUrl: URL;
  try {
    targetUrl = new URL('/sim/import', target);
  } catch {
    throw simFault('validation', `target is not a URL: ${JSON.stringify(target)}`);
  }
  if (targetUrl.protocol !== 'http:' && targetUrl.protocol !== 'https:') throw simFault('validation', `target must be an http(s) URL, got ${target}`);
  const { store } = sys;
  const existing = store.movedMark(iCustomer);
  if (existing) throw simFault('alreadyMoved', `Customer ${iCustomer} already moved to ${existing.moved_to} at ${existing.moved_at}`);
  const bundle = store.exportCustomer(iCustomer);
  if (!bundle) throw simFault('customerNotFound', `Customer not found: i_customer ${iCustomer}`);
  store.markMoved(iCustomer, { moved_at: formatPortaTime(Date.now()), moved_to: targetUrl.origin });
  try {
    const res = await fetch(targetUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: { role: sys.role, env: sys.env }, bundle: { ...bundle, devices: exportDevices(sys, bundle.accounts.map((a) => a.account.i_account)) } }),
      signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS),
    });
    const text = await res.text();
    if (!res.ok) {
      let detail = text.slice(0, 300);
      try {
        const f: unknown = JSON.parse(text);
        if (isObject(f) && typeof f.faultstring === 'string') detail = `${String(f.faultcode)}: ${f.faultstring}`;
      } catch { /* not JSON: keep the raw text */ }
      throw simFault('transferFailed', `The target refused the import (HTTP ${res.status}): ${detail}`);
    }
  } catch (err) {
    store.clearMoved(iCustomer);
    if (isApiFault(err)) throw err;
    throw new ApiFault('Server.Sim.transfer_failed', `Cannot reach the target at ${targetUrl.origin}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  sys.sessions.closeCustomerSessions(iCustomer);
  return {
    ok: true,
    i_customer: iCustomer,
    target: targetUrl.origin,
    accounts: bundle.accounts.map((a) => a.account.i_account),
    xdrs: bundle.accounts.reduce((n, a) => n + a.xdrs.length, 0),
    invoices: bundle.invoices.length,
    dids: bundle.owned?.dids.length ?? 0,
    aliases: bundle.owned?.aliases.length ?? 0,
  };
}

function checkBundle(v: unknown): CustomerBundle {
  const bad = (what: string): ApiFault => simFault('validation', `Import bundle: ${what}`);
  if (!isObject(v)) throw bad('bundle must be an object');
  const c = v.customer;
  if (!isObject(c) || typeof c.i_customer !== 'number' || typeof c.login !== 'string' || typeof c.name !== 'string') throw bad('customer with i_customer, login and name is required');
  if (!Array.isArray(v.accounts)) throw bad('accounts must be a list');
  for (const a of v.accounts) {
    if (!isObject(a) || !isObject(a.account) || typeof a.account.i_account !== 'number' || a.account.i_customer !== c.i_customer) throw bad('every account must belong to the customer');
    if (!Array.isArray(a.xdrs) || !isObject(a.portasip)) throw bad('every account needs xdrs and portasip');
  }
  for (const k of ['invoices', 'subscriptions', 'counters'] as const) if (!Array.isArray(v[k])) throw bad(`${k} must be a list`);
  const owned = v.owned;
  if (owned !== undefined) {
    if (!isObject(owned)) throw bad('owned must be an object');
    const idField = { dids: 'i_did_number', uas: 'i_ua', aliases: 'i_alias', documents: 'i_document' } as const;
    for (const k of ['dids', 'uas', 'aliases', 'documents'] as const) {
      const list = owned[k];
      if (list === undefined) continue;
      if (!Array.isArray(list) || !list.every((r) => isObject(r) && typeof r[idField[k]] === 'number')) throw bad(`owned.${k} must be a list of records with ${idField[k]}`);
      if (k === 'aliases' && !list.every((r) => isObject(r) && typeof r.i_master_account === 'number' && typeof r.id === 'string')) throw bad('every alias needs i_master_account and id');
    }
  }
  return v as unknown as CustomerBundle;
}

/** `POST /sim/import`: the receiving side of a transfer; overwrites a stale (moved-away) copy. */
export function importCustomer(sys: SimSystem, body: JsonObject): JsonObject {
  const bundle = checkBundle(body.bundle);
  const id = bundle.customer.i_customer;
  const here = sys.store.getCustomer(id);
  if (here && !sys.store.movedMark(id)) {
    throw simFault('customerLiveHere', `Customer ${id} already lives on this system (not moved away); refusing to overwrite it`);
  }
  importDevices(sys, (body.bundle as JsonObject).devices, bundle.accounts.map((a) => a.account.i_account));
  sys.store.importCustomer(bundle);
  return { ok: true, i_customer: id, accounts: bundle.accounts.length };
}

/**
 * `POST /sim/mark {"i_customer","moved":true|false,"moved_to"?}`: sets or clears the moved mark,
 * the way an operator's tool undoes a copy it made (the sender's copy is the customer's again, the
 * receiver's is a stale one).
 */
export function markCustomer(sys: SimSystem, body: JsonObject): JsonObject {
  const iCustomer = optInt(body, 'i_customer');
  if (iCustomer === undefined) throw simFault('validation', 'i_customer is required');
  if (typeof body.moved !== 'boolean') throw simFault('validation', 'moved (true or false) is required');
  if (!sys.store.getCustomer(iCustomer)) throw simFault('customerNotFound', `Customer not found: i_customer ${iCustomer}`);
  if (body.moved) sys.store.markMoved(iCustomer, { moved_at: formatPortaTime(Date.now()), moved_to: optString(body, 'moved_to') ?? 'elsewhere' });
  else sys.store.clearMoved(iCustomer);
  if (body.moved) sys.sessions.closeCustomerSessions(iCustomer);
  return { ok: true, i_customer: iCustomer, moved: body.moved };
}
