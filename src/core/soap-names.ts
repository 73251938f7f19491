import type { Realm } from './api-call.ts';

/**
 * PortaBilling's SOAP naming: namespaces, endpoint and WSDL file names, result and request part
 * names. Shared by every SOAP speaker (the dispatcher's front and the simulator), each with its own
 * XML codec, so that both name things the same way.
 */

export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP_ENC_NS = 'http://schemas.xmlsoap.org/soap/encoding/';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

const REALM_WORDS: ReadonlyArray<readonly [string, Realm]> = [
  ['Admin', 'admin'], ['Reseller', 'reseller'], ['Customer', 'customer'], ['Account', 'account'],
];
const REALM_WORD: Readonly<Record<Realm, string>> = { admin: 'Admin', reseller: 'Reseller', customer: 'Customer', account: 'Account' };

/**
 * `CustomerAdminService` → Customer + admin; `SessionService` → Session; `Customer` → Customer.
 * The realm word is informative: the realm itself comes from the listener.
 */
export function parseEndpointName(name: string): { service: string; realm?: Realm } {
  const base = name.endsWith('Service') && name.length > 'Service'.length ? name.slice(0, -'Service'.length) : name;
  for (const [word, realm] of REALM_WORDS) {
    if (base.endsWith(word) && base.length > word.length) return { service: base.slice(0, -word.length), realm };
  }
  return { service: base };
}

/** `Customer`, `admin` → `CustomerAdminService` (the endpoint and WSDL base name). */
export function soapEndpointName(service: string, realm: Realm): string {
  return `${service}${REALM_WORD[realm]}Service`;
}

/**
 * `CustomerAdminService.wsdl` → {service: Customer, realm: admin}, when the name has that shape;
 * whether the service exists is for the system that serves it to say.
 */
export function parseWsdlFileName(fileName: string): { service: string; realm: Realm } | undefined {
  if (!fileName.endsWith('.wsdl')) return undefined;
  const { service, realm } = parseEndpointName(fileName.slice(0, -'.wsdl'.length));
  if (realm === undefined || !/^[A-Z][A-Za-z0-9]{0,63}$/.test(service)) return undefined;
  return { service, realm };
}

/** `https://<host>/Porta/SOAP/<Service>`: PortaBilling's namespace for a service. */
export function soapNamespace(host: string, service: string): string {
  return `https://${host}/Porta/SOAP/${service}`;
}

/** `get_customer_info` → `GetCustomerInfoResponse`: the name of the result part. */
export function resultPartName(method: string): string {
  return method.split('_').filter((w) => w !== '').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') + 'Response';
}

/** `get_customer_info` → `GetCustomerInfoRequest`: the name of the params part. */
export function requestTypeName(method: string): string {
  return resultPartName(method).replace(/Response$/, 'Request');
}
