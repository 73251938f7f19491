import type { JsonObject, Realm } from '../../core/api-call.ts';
import type { SimApi } from './sim-api.ts';
import { SESSION_METHODS } from './session-service.ts';
import { SIM_VERSION } from './catalog-service.ts';

/** The documentation interface of each realm, as PortaBilling names its `/doc/api/<X>Interface.json`. */
export const API_DOC_INTERFACES: Readonly<Record<Realm, string>> = {
  admin: 'AdminInterface',
  reseller: 'ResellerInterface',
  customer: 'CustomerInterface',
  account: 'AccountInterface',
};

/** The realm a doc file name (`AdminInterface.json`, …) describes, or undefined. */
export function realmOfApiDoc(fileName: string): Realm | undefined {
  for (const [realm, name] of Object.entries(API_DOC_INTERFACES) as [Realm, string][]) {
    if (fileName === `${name}.json`) return realm;
  }
  return undefined;
}

/**
 * The API description of one realm, generated from the simulator's method table (plus the Session
 * service, answered outside it) so it lists exactly what the simulator answers. Services and
 * methods are sorted so the document is byte-stable. Realm permissions are enforced per call
 * (a customer session may still be refused `add_customer`); the doc lists what the realm's
 * listener routes.
 */
export function buildApiDoc(api: SimApi, realm: Realm): JsonObject {
  const byService = new Map<string, Set<string>>();
  const add = (service: string, method: string): void => {
    const set = byService.get(service) ?? new Set<string>();
    set.add(method);
    byService.set(service, set);
  };
  for (const m of SESSION_METHODS) add('Session', m);
  for (const key of api.methods(realm)) {
    const slash = key.indexOf('/');
    if (slash > 0) add(key.slice(0, slash), key.slice(slash + 1));
  }
  const services = [...byService.keys()].sort().map((service) => ({
    name: service,
    methods: [...(byService.get(service) ?? [])].sort().map((method) => ({
      name: method,
      rest: `/rest/${service}/${method}`,
      soap: `/soap/${service}/${method}`,
    })),
  }));
  return {
    name: API_DOC_INTERFACES[realm],
    realm,
    version: SIM_VERSION,
    request: {
      http_method: 'POST',
      rest_path: '/rest/<Service>/<method>',
      styles: ['form: auth_info + params (JSON strings)', 'JSON body {"params"} + Authorization: Bearer <access_token>', 'path: /rest/<Service>/<method>/<session_id>/<params JSON>'],
      fault: { http_status: 500, body: { faultcode: 'string', faultstring: 'string' } },
    },
    services,
  };
}
