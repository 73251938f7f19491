import { isApiFault } from '../../core/faults.ts';
import type { ApiFault } from '../../core/faults.ts';
import type { Realm } from '../../core/api-call.ts';
import { parseEndpointName, parseWsdlFileName, soapEndpointName, soapNamespace } from '../../core/soap-names.ts';
import type { SimApi } from '../api/sim-api.ts';
import { simFault } from '../api/sim-faults.ts';
import type { SimHttpRequest, SimHttpResponse, SimHttpRoute } from '../http/sim-http.ts';
import { readSimSoapCall } from './sim-soap-request.ts';
import { simSoapFault, simSoapResult } from './sim-soap-reply.ts';
import type { SimSoapReply } from './sim-soap-reply.ts';
import { simWsdl } from './sim-wsdl.ts';
import { soapWithAttachment } from './sim-soap-attachment.ts';
import { requestedDownload } from '../rest/sim-download.ts';

const XML_TYPE = 'text/xml; charset=utf-8';

function toResponse(r: SimSoapReply): SimHttpResponse {
  return { status: r.status, headers: { 'content-type': XML_TYPE }, body: r.body };
}

function soapFault(f: ApiFault): SimHttpResponse {
  return toResponse(simSoapFault(f));
}

/** `host[:port]` from the Host header when it is plausible, else the loopback default. */
function hostHeader(req: SimHttpRequest): string {
  const h = req.headers.host ?? '';
  return /^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?$/.test(h) ? h : '127.0.0.1';
}

function hostnameOf(host: string): string {
  return new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, '');
}

/**
 * PortaBilling's SOAP 1.1 API on one realm listener, over the same `SimApi` as REST:
 * `POST /soap/<Service><Realm>Service` (SOAPAction `"<ns>#<method>"`), `POST /soap/<Service>/<method>`,
 * and the WSDLs at `GET /wsdl/<Service><Realm>Service.wsdl` (also `GET /soap/<Endpoint>?wsdl`),
 * whose endpoint address is this listener as the client reached it (Host header). A download
 * (`downloadBytes` long, as over REST) comes as an attachment beside the reply's envelope.
 */
export function soapRoute(api: SimApi, realm: Realm, downloadBytes = 4096): SimHttpRoute {
  const wsdl = (req: SimHttpRequest, fileName: string): SimHttpResponse => {
    const target = parseWsdlFileName(fileName);
    if (target === undefined || !api.description.services.has(target.service)) return { ...soapFault(simFault('unknownMethod', `No such WSDL: ${fileName.slice(0, 100)}`)), status: 404 };
    if (target.realm !== realm) {
      return soapFault(simFault('unknownMethod', `${fileName} describes the ${target.realm} realm; this listener serves ${soapEndpointName(target.service, realm)}.wsdl`));
    }
    const host = hostHeader(req);
    return { status: 200, headers: { 'content-type': XML_TYPE }, body: simWsdl(target.service, realm, `http://${host}`, hostnameOf(host), api.description) };
  };

  return {
    name: `soap:${realm}`,
    matches: (method, rawPath) => rawPath === '/soap' || rawPath.startsWith('/soap/') || (method === 'GET' && rawPath.startsWith('/wsdl/')),
    fault: soapFault,
    handle(req: SimHttpRequest): SimHttpResponse {
      try {
        if (req.method === 'GET' && req.rawPath.startsWith('/wsdl/')) return wsdl(req, req.rawPath.slice('/wsdl/'.length));
        if (req.method === 'GET' && req.query.has('wsdl')) {
          const last = req.rawPath.split('/').filter((s) => s !== '').at(-1) ?? '';
          return wsdl(req, `${soapEndpointName(parseEndpointName(last).service, realm)}.wsdl`);
        }
        if (req.method !== 'POST') return soapFault(simFault('badRequest', `SOAP calls are POSTed; got ${req.method.slice(0, 20)}`));
        const soapAction = req.headers.soapaction;
        const call = readSimSoapCall(req.body, req.rawPath, typeof soapAction === 'string' ? soapAction : undefined);
        const result = api.call({ listener: realm, service: call.service, method: call.method, params: call.params, credentials: call.credentials, clientIp: req.clientIp });
        const namespace = call.namespace !== '' ? call.namespace : soapNamespace(hostnameOf(hostHeader(req)), call.service);
        const reply = simSoapResult(call.method, result, namespace, call.positionalLogin);
        const file = requestedDownload(api.description, call.service, call.method, call.params);
        if (file !== undefined) return soapWithAttachment(reply.body, { method: call.method, ...file, size: downloadBytes });
        return toResponse(reply);
      } catch (err) {
        if (isApiFault(err)) return soapFault(err);
        return soapFault(simFault('internal', `Internal error: ${err instanceof Error ? err.message : String(err)}`));
      }
    },
  };
}
