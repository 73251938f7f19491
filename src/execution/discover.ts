import type { SystemName } from '../core/api-call.ts';
import type { DispatcherSession } from '../sessions/session.ts';
import type { BackendClient } from '../backends/backend-client.ts';
import type { Discoverer, Locator } from '../core/location.ts';
import { SYSTEMS } from '../core/api-call.ts';
import { OWNED_KINDS, type OwnedKind } from '../core/owned-kinds.ts';

/** How each owned kind is read by its id, where PortaBilling has an info method for it. */
const OWNED_LOOKUPS: Partial<Record<OwnedKind, { path: string; infoKey: string }>> = {
  invoice: { path: '/rest/Invoice/get_invoice_info', infoKey: 'invoice_info' },
  did: { path: '/rest/DID/get_number_info', infoKey: 'number_info' },
  ua: { path: '/rest/UA/get_ua_info', infoKey: 'ua_info' },
  document: { path: '/rest/Customer/get_document_info', infoKey: 'document_info' },
};

function lookup(locator: Locator): { path: string; params: Record<string, string | number>; listKey: string } | undefined {
  switch (locator.kind) {
    case 'owned': {
      const l = OWNED_LOOKUPS[locator.owned];
      return l === undefined ? undefined : { path: l.path, params: { [OWNED_KINDS[locator.owned]]: locator.id }, listKey: l.infoKey };
    }
    case 'customer': return { path: '/rest/Customer/get_customer_info', params: { i_customer: locator.iCustomer }, listKey: 'customer_info' };
    case 'account': return { path: '/rest/Account/get_account_info', params: { i_account: locator.iAccount }, listKey: 'account_info' };
    default: {
      const field = locator.key.replace(/^(customer|account)-/, '');
      const service = locator.key.startsWith('customer') ? 'Customer' : 'Account';
      return { path: `/rest/${service}/get_${service.toLowerCase()}_info`, params: { [field]: locator.value }, listKey: `${service.toLowerCase()}_info` };
    }
  }
}

/**
 * Discover mode: asks every system of the caller's session which one holds a record (a copy left
 * behind, marked moved, does not count). Used by the resolver only for odd ids and keys it cannot place.
 */
export function makeDiscoverer(backends: BackendClient, session: DispatcherSession, requestId: string): Discoverer {
  return async (locator) => {
    const how = lookup(locator);
    if (how === undefined) return undefined;
    const { path, params, listKey } = how;
    const found = await Promise.all(SYSTEMS.map(async (system): Promise<{ system: SystemName; info: Record<string, unknown> } | undefined> => {
      const bs = session.backends[system];
      if (bs === undefined) return undefined;
      try {
        const { status, json } = await backends.callJson({
          system, listener: session.realm, path, body: JSON.stringify({ params }), accessToken: bs.accessToken, requestId, idempotent: true,
        });
        const info = json[listKey];
        if (status !== 200 || typeof info !== 'object' || info === null) return undefined;
        if ((info as Record<string, unknown>).migration_status === 'moved') return undefined;
        return { system, info: info as Record<string, unknown> };
      } catch {
        return undefined;
      }
    }));
    const hit = found.find((f) => f !== undefined);
    if (hit === undefined) return undefined;
    const out: { system: SystemName; iCustomer?: number; iAccount?: number } = { system: hit.system };
    if (typeof hit.info.i_customer === 'number') out.iCustomer = hit.info.i_customer;
    if (typeof hit.info.i_account === 'number') out.iAccount = hit.info.i_account;
    return out;
  };
}

/**
 * Reads which customer owns an account on one system, with the caller's backend session (an
 * owned record a reply names only by its account, such as a new alias, is stored under the
 * customer). Undefined when the system does not answer it.
 */
export function accountOwnerReader(backends: BackendClient) {
  return async (system: SystemName, session: DispatcherSession, requestId: string, iAccount: number): Promise<number | undefined> => {
    const bs = session.backends[system];
    if (bs === undefined) return undefined;
    try {
      const { status, json } = await backends.callJson({
        system, listener: session.realm, path: '/rest/Account/get_account_info', body: JSON.stringify({ params: { i_account: iAccount } }),
        accessToken: bs.accessToken, requestId, idempotent: true,
      });
      const info = json.account_info as Record<string, unknown> | undefined;
      return status === 200 && typeof info?.i_customer === 'number' ? info.i_customer : undefined;
    } catch {
      return undefined;
    }
  };
}
