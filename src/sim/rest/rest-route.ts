import { isApiFault } from '../../core/faults.ts';
import type { SimApi } from '../api/sim-api.ts';
import { simFault } from '../api/sim-faults.ts';
import type { SimListener } from '../contract.ts';
import { jsonFault, jsonReply, type SimHttpRequest, type SimHttpResponse, type SimHttpRoute } from '../http/sim-http.ts';
import { decodeRestCall } from './rest-decode.ts';
import { generatedFile, requestedDownload } from './sim-download.ts';

/**
 * The JSON API of one listener: `POST /rest/<Service>/<method>` on the realm listeners,
 * `POST /portasip/<Service>/<method>` on the PortaSIP one. Success is 200 JSON; every failure
 * is a 500 `{"faultcode","faultstring"}` (never an HTML page).
 */
/** `downloadBytes`: the size of each generated download (invoice PDF, call recording). */
export function restRoute(api: SimApi, listener: SimListener, downloadBytes = 4096): SimHttpRoute {
  const prefix = listener === 'portasip' ? '/portasip/' : '/rest/';
  return {
    name: `rest:${listener}`,
    matches: (_method, rawPath) => rawPath.startsWith(prefix) || rawPath === prefix.slice(0, -1),
    fault: jsonFault,
    handle(req: SimHttpRequest): SimHttpResponse {
      try {
        const call = decodeRestCall(req, prefix);
        const result = api.call({ listener, service: call.service, method: call.method, params: call.params, credentials: call.credentials, clientIp: req.clientIp, files: call.files });
        // A download (an invoice PDF, a call recording) answers with the file once the call is allowed.
        const file = requestedDownload(api.description, call.service, call.method, call.params);
        if (file !== undefined) {
          return {
            status: 200,
            headers: { 'content-type': file.contentType, 'content-length': String(downloadBytes), 'content-disposition': `attachment; filename="${call.method}-${file.id}.${file.contentType === 'application/pdf' ? 'pdf' : 'wav'}"` },
            body: generatedFile(file.contentType, downloadBytes, file.id),
          };
        }
        return jsonReply(result);
      } catch (err) {
        if (isApiFault(err)) return jsonFault(err);
        return jsonFault(simFault('internal', `Internal error: ${err instanceof Error ? err.message : String(err)}`));
      }
    },
  };
}
