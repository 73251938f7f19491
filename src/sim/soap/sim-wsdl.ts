import { XMLBuilder } from 'fast-xml-parser';
import { SIM_VERSION } from '../api/catalog-service.ts';
import type { Realm } from '../../core/api-call.ts';
import { isScalar, loadSimDescription } from '../description/description.ts';
import type { SimDescription, SimFieldSpec } from '../description/description.ts';
import { SOAP_ENC_NS, XSD_NS, requestTypeName, resultPartName, soapEndpointName, soapNamespace } from '../../core/soap-names.ts';

type Node = Record<string, unknown>;

const builder = new XMLBuilder({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', suppressEmptyNode: true });

function el(name: string, attributes: Record<string, string>, ...children: Node[]): Node {
  return { [name]: children, ':@': attributes };
}

/** PortaBilling sends dates as text (`2026-01-01 00:00:00`), not in xsd:dateTime's lexical form. */
const XSD_OF: Readonly<Record<string, string>> = { int: 'xsd:int', float: 'xsd:double', string: 'xsd:string', date: 'xsd:string', dateTime: 'xsd:string', boolean: 'xsd:boolean' };

function xsdType(spec: SimFieldSpec): string {
  if (spec.type.endsWith('[]')) return 'SOAP-ENC:Array';
  return isScalar(spec.type) ? XSD_OF[spec.type]! : `tns:${spec.type}`;
}

function complexType(name: string, fields: Readonly<Record<string, SimFieldSpec>>): Node {
  const elements = Object.entries(fields).map(([field, t]) => el('xsd:element', { name: field, type: xsdType(t), minOccurs: '0', maxOccurs: '1' }));
  return el('xsd:complexType', { name }, el('xsd:all', {}, ...elements));
}

/** Session-header fields (`auth_info`), in the `…/Porta/SOAP/Session` namespace. */
const AUTH_INFO: Readonly<Record<string, SimFieldSpec>> = {
  session_id: { type: 'string' }, login: { type: 'string' }, password: { type: 'string' }, token: { type: 'string' }, i_env: { type: 'int' },
};

let shipped: SimDescription | undefined;

/** Structs and arrays in replies are typed `SOAP-ENC:…`; declaring them keeps zeep off the network. */
function encodingSchema(): Node {
  const open = (name: string): Node => el('xsd:complexType', { name },
    el('xsd:sequence', {}, el('xsd:any', { minOccurs: '0', maxOccurs: 'unbounded', processContents: 'lax' })),
    el('xsd:anyAttribute', { processContents: 'lax' }));
  return el('xsd:schema', { targetNamespace: SOAP_ENC_NS }, el('xsd:attribute', { name: 'arrayType', type: 'xsd:string' }), open('Struct'), open('Array'));
}

/**
 * The WSDL 1.1 (rpc/encoded) of one service on one realm listener, built from the shared
 * simulator's description: a `<Method>Request` params part and an `xsd:anyType` result part per operation, the
 * `auth_info` header in the Session namespace, the endpoint at `<baseUrl>/soap/<Endpoint>`.
 * @throws Error for a service the description does not have (callers check the file name first).
 */
export function simWsdl(service: string, realm: Realm, baseUrl: string, namespaceHost: string, description?: SimDescription): string {
  const d = description ?? (shipped ??= loadSimDescription());
  const spec = d.services.get(service);
  if (spec === undefined) throw new Error(`Unknown SOAP service ${service}`);
  const methods = spec.methods;
  const ns = soapNamespace(namespaceHost, service);
  const sessionNs = soapNamespace(namespaceHost, 'Session');
  const name = soapEndpointName(service, realm);
  const sessionService = service === 'Session';
  // Every struct type a request or response reaches, transitively, declared once.
  const reached = new Set<string>();
  const visit = (type: string): void => {
    const base = type.endsWith('[]') ? type.slice(0, -2) : type;
    if (isScalar(base) || reached.has(base)) return;
    reached.add(base);
    for (const f of Object.values(d.types.get(base)?.fields ?? {})) visit(f.type);
  };
  for (const m of Object.values(methods)) {
    visit(m.request);
    visit(m.response);
  }
  const types = [...reached].sort().map((t) => complexType(t, d.types.get(t)?.fields ?? {}));
  const authInfo = complexType('AuthInfo', AUTH_INFO);
  const schemas = sessionService
    ? [el('xsd:schema', { targetNamespace: ns }, authInfo, ...types)]
    : [el('xsd:schema', { targetNamespace: sessionNs }, authInfo), el('xsd:schema', { targetNamespace: ns }, ...types)];
  const encoded = (namespace: string): Record<string, string> => ({ use: 'encoded', namespace, encodingStyle: SOAP_ENC_NS });
  const names = Object.keys(methods);
  const definitions = el('definitions', {
    name, targetNamespace: ns, xmlns: 'http://schemas.xmlsoap.org/wsdl/', 'xmlns:soap': 'http://schemas.xmlsoap.org/wsdl/soap/',
    'xmlns:xsd': XSD_NS, 'xmlns:SOAP-ENC': SOAP_ENC_NS, 'xmlns:tns': ns, 'xmlns:session': sessionNs,
  },
  { documentation: [{ '#text': `PortaBilling API version ${SIM_VERSION}` }] },
  el('types', {}, encodingSchema(), ...schemas),
  el('message', { name: 'AuthInfoHeader' }, el('part', { name: 'auth_info', type: `${sessionService ? 'tns' : 'session'}:AuthInfo` })),
  ...names.flatMap((m) => [
    el('message', { name: `${m}Request` }, el('part', { name: requestTypeName(m), type: `tns:${methods[m]!.request}` })),
    el('message', { name: `${m}Response` }, el('part', { name: resultPartName(m), type: 'xsd:anyType' })),
  ]),
  el('portType', { name: `${name}PortType` }, ...names.map((m) => el('operation', { name: m }, el('input', { message: `tns:${m}Request` }), el('output', { message: `tns:${m}Response` })))),
  el('binding', { name: `${name}Binding`, type: `tns:${name}PortType` },
    el('soap:binding', { style: 'rpc', transport: 'http://schemas.xmlsoap.org/soap/http' }),
    ...names.map((m) => el('operation', { name: m },
      el('soap:operation', { soapAction: `${ns}#${m}`, style: 'rpc' }),
      // PortaBilling's login is the one call made before there is a session to put in a header.
      el('input', {}, el('soap:body', encoded(ns)), ...(sessionService && m === 'login' ? [] : [el('soap:header', { message: 'tns:AuthInfoHeader', part: 'auth_info', ...encoded(sessionNs) })])),
      el('output', {}, el('soap:body', encoded(ns)))))),
  el('service', { name }, el('port', { name: `${name}Port`, binding: `tns:${name}Binding` }, el('soap:address', { location: `${baseUrl.replace(/\/+$/, '')}/soap/${name}` }))));
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build([definitions]) as string}\n`;
}
