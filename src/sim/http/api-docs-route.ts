import type { SimApi } from '../api/sim-api.ts';
import { buildApiDoc, realmOfApiDoc } from '../api/api-docs.ts';
import { SimFaultCode } from '../api/sim-faults.ts';
import { SIM_VERSION } from '../api/catalog-service.ts';
import { serviceDocument } from '../description/description.ts';
import { ApiFault } from '../../core/faults.ts';
import { jsonFault, jsonReply, type SimHttpRoute } from './sim-http.ts';

const PREFIX = '/doc/api/';

/**
 * `GET /doc/api/<X>Interface.json` on a realm listener: the API description of any realm (docs
 * are public reading, so every realm listener serves all four). Other names are a 404 JSON fault,
 * other HTTP methods a 405.
 */
export function apiDocsRoute(api: SimApi): SimHttpRoute {
  const description = api.description;
  return {
    name: 'api-docs',
    matches: (_method, rawPath) => rawPath.startsWith(PREFIX),
    fault: jsonFault,
    handle(req) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        const f = new ApiFault(SimFaultCode.validation, `Method ${req.method} is not allowed on API docs; use GET`, { httpStatus: 405 });
        return { ...jsonFault(f), headers: { 'content-type': 'application/json', allow: 'GET, HEAD' } };
      }
      const name = req.rawPath.slice(PREFIX.length);
      const realm = realmOfApiDoc(name);
      // A realm's document wins its name (CustomerInterface, AccountInterface); every other
      // `<Service>Interface.json` is that service's description.
      const service = realm === undefined ? /^([A-Za-z]+)Interface\.json$/.exec(name)?.[1] : undefined;
      const doc = service === undefined ? undefined : serviceDocument(description, service, SIM_VERSION);
      if (doc !== undefined) return jsonReply(doc);
      if (realm === undefined) {
        return jsonFault(new ApiFault(SimFaultCode.unknownMethod, `No such API document: ${req.rawPath.slice(0, 200)}`, { httpStatus: 404 }));
      }
      return jsonReply(buildApiDoc(api, realm));
    },
  };
}
