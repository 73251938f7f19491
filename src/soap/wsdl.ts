import type { Realm } from '../core/api-call.ts';
import { SOAP_AUTH_INFO, SOAP_SERVICES, SOAP_STRUCTS } from '../core/soap-catalogue.ts';
import type { SoapParamType, SoapParams } from '../core/soap-catalogue.ts';
import { SOAP_ENC_NS, requestTypeName, resultPartName, soapEndpointName, soapNamespace } from '../core/soap-names.ts';
import { escapeXml } from './soap-values.ts';

/** The services the WSDLs describe. */
export function soapServiceNames(): string[] {
  return Object.keys(SOAP_SERVICES);
}

export interface WsdlOptions {
  service: string;
  realm: Realm;
  /** Origin the client should post to, e.g. `http://127.0.0.1:8443` (the dispatcher passes its own). */
  baseUrl: string;
  /** Host in the namespaces (`https://<host>/Porta/SOAP/…`); default: the host of `baseUrl`. */
  namespaceHost?: string;
}

function typeRef(t: SoapParamType): string {
  return typeof t === 'string' ? `xsd:${t}` : `tns:${t.struct}`;
}

function complexType(name: string, fields: SoapParams): string {
  const elements = Object.entries(fields)
    .map(([field, t]) => `<xsd:element name="${field}" type="${typeRef(t)}" minOccurs="0" maxOccurs="1"/>`)
    .join('');
  return `<xsd:complexType name="${name}"><xsd:all>${elements}</xsd:all></xsd:complexType>`;
}

function structsUsedBy(methods: Readonly<Record<string, SoapParams>>): string[] {
  const used = new Set<string>();
  for (const params of Object.values(methods)) {
    for (const t of Object.values(params)) if (typeof t !== 'string') used.add(t.struct);
  }
  return [...used].sort();
}

/**
 * WSDL 1.1 (rpc/encoded) for one service in one realm, as PHP's SoapClient and zeep load it:
 * one `<Method>Request` struct part per operation (the params), one `xsd:anyType` result part,
 * the `auth_info` SOAP header declared in the Session namespace.
 * @throws Error for an unknown service (callers check `parseWsdlFileName` first).
 */
export function generateWsdl(options: WsdlOptions): string {
  const methods = SOAP_SERVICES[options.service];
  if (methods === undefined || !Object.hasOwn(SOAP_SERVICES, options.service)) throw new Error(`Unknown SOAP service ${options.service}`);
  const host = options.namespaceHost ?? new URL(options.baseUrl).hostname;
  const ns = escapeXml(soapNamespace(host, options.service));
  const sessionNs = escapeXml(soapNamespace(host, 'Session'));
  const name = soapEndpointName(options.service, options.realm);
  let base = options.baseUrl;
  while (base.endsWith('/')) base = base.slice(0, -1);
  const location = escapeXml(`${base}/soap/${name}`);
  const sameNs = options.service === 'Session';

  const types: string[] = [];
  for (const struct of structsUsedBy(methods)) types.push(complexType(struct, SOAP_STRUCTS[struct] ?? {}));
  for (const [method, params] of Object.entries(methods)) types.push(complexType(requestTypeName(method), params));
  const authType = complexType('AuthInfo', SOAP_AUTH_INFO);
  const schemaHead = '';
  const schemas = sameNs
    ? `<xsd:schema targetNamespace="${ns}">${schemaHead}${authType}${types.join('')}</xsd:schema>`
    : `<xsd:schema targetNamespace="${sessionNs}">${schemaHead}${authType}</xsd:schema>`
      + `<xsd:schema targetNamespace="${ns}">${schemaHead}${types.join('')}</xsd:schema>`;

  const messages: string[] = [`<message name="AuthInfoHeader"><part name="auth_info" type="${sameNs ? 'tns' : 'session'}:AuthInfo"/></message>`];
  const portOps: string[] = [];
  const bindingOps: string[] = [];
  const encoded = (namespace: string): string => `use="encoded" namespace="${namespace}" encodingStyle="${SOAP_ENC_NS}"`;
  for (const method of Object.keys(methods)) {
    const requestType = requestTypeName(method);
    messages.push(
      `<message name="${method}Request"><part name="${requestType}" type="tns:${requestType}"/></message>`,
      `<message name="${method}Response"><part name="${resultPartName(method)}" type="xsd:anyType"/></message>`,
    );
    portOps.push(`<operation name="${method}"><input message="tns:${method}Request"/><output message="tns:${method}Response"/></operation>`);
    const header = options.service === 'Session' && method === 'login'
      ? ''
      : `<soap:header message="tns:AuthInfoHeader" part="auth_info" ${encoded(sessionNs)}/>`;
    bindingOps.push(
      `<operation name="${method}"><soap:operation soapAction="${ns}#${method}" style="rpc"/>`
      + `<input><soap:body ${encoded(ns)}/>${header}</input>`
      + `<output><soap:body ${encoded(ns)}/></output></operation>`,
    );
  }

  return '<?xml version="1.0" encoding="UTF-8"?>\n'
    + `<definitions name="${name}" targetNamespace="${ns}" xmlns="http://schemas.xmlsoap.org/wsdl/"`
    + ' xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
    + ` xmlns:SOAP-ENC="${SOAP_ENC_NS}" xmlns:tns="${ns}" xmlns:session="${sessionNs}">\n`
    + `<types>${SOAP_ENC_SCHEMA}${schemas}</types>\n`
    + messages.join('\n') + '\n'
    + `<portType name="${name}PortType">${portOps.join('')}</portType>\n`
    + `<binding name="${name}Binding" type="tns:${name}PortType"><soap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>${bindingOps.join('')}</binding>\n`
    + `<service name="${name}"><port name="${name}Port" binding="tns:${name}Binding"><soap:address location="${location}"/></port></service>\n`
    + '</definitions>\n';
}

/**
 * A local stand-in for the SOAP-encoding schema: replies type structs and arrays as
 * `SOAP-ENC:Struct`/`SOAP-ENC:Array`, and a client that resolves every `xsi:type` (zeep) would
 * otherwise try to download the schema from schemas.xmlsoap.org.
 */
const SOAP_ENC_SCHEMA = `<xsd:schema targetNamespace="${SOAP_ENC_NS}">`
  + '<xsd:attribute name="arrayType" type="xsd:string"/>'
  + '<xsd:complexType name="Struct"><xsd:sequence><xsd:any minOccurs="0" maxOccurs="unbounded" processContents="lax"/></xsd:sequence><xsd:anyAttribute processContents="lax"/></xsd:complexType>'
  + '<xsd:complexType name="Array"><xsd:sequence><xsd:any minOccurs="0" maxOccurs="unbounded" processContents="lax"/></xsd:sequence><xsd:anyAttribute processContents="lax"/></xsd:complexType>'
  + '</xsd:schema>';
