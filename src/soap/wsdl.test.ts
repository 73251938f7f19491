import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeNS, childByLocalName, parseXml } from './safe-xml.ts';
import type { XmlElement } from './safe-xml.ts';
import { SOAP_SERVICES } from '../core/soap-catalogue.ts';
import { generateWsdl, soapServiceNames } from './wsdl.ts';
import { parseWsdlFileName, soapEndpointName } from '../core/soap-names.ts';

const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';

function childrenNamed(el: XmlElement, localName: string): XmlElement[] {
  return el.children.filter((c) => c.localName === localName);
}

test('WSDL file names map to a service and realm, and back', () => {
  assert.deepEqual(parseWsdlFileName('CustomerAdminService.wsdl'), { service: 'Customer', realm: 'admin' });
  assert.deepEqual(parseWsdlFileName('SessionAccountService.wsdl'), { service: 'Session', realm: 'account' });
  assert.deepEqual(parseWsdlFileName('CustomerClassResellerService.wsdl'), { service: 'CustomerClass', realm: 'reseller' });
  assert.equal(parseWsdlFileName('NopeAdminService.wsdl'), undefined);
  assert.equal(parseWsdlFileName('CustomerService.wsdl'), undefined);
  assert.equal(parseWsdlFileName('__proto__AdminService.wsdl'), undefined);
  assert.equal(soapEndpointName('DiscountPlan', 'customer'), 'DiscountPlanCustomerService');
});

test('every service WSDL is well-formed and lists each operation with its SOAPAction and endpoint', () => {
  for (const service of soapServiceNames()) {
    const wsdl = generateWsdl({ service, realm: 'reseller', baseUrl: 'http://127.0.0.1:8442/', namespaceHost: 'pb.example.com' });
    const root = parseXml(wsdl);
    assert.equal(root.namespace, WSDL_NS);
    const ns = `https://pb.example.com/Porta/SOAP/${service}`;
    assert.equal(attributeNS(root, '', 'targetNamespace'), ns);
    const binding = childByLocalName(root, 'binding')!;
    const ops = childrenNamed(binding, 'operation');
    assert.deepEqual(ops.map((o) => attributeNS(o, '', 'name')), Object.keys(SOAP_SERVICES[service]!));
    for (const op of ops) {
      const name = attributeNS(op, '', 'name')!;
      assert.equal(attributeNS(childByLocalName(op, 'operation')!, '', 'soapAction'), `${ns}#${name}`);
      const header = childByLocalName(childByLocalName(op, 'input')!, 'header');
      if (service === 'Session' && name === 'login') assert.equal(header, undefined);
      else assert.equal(attributeNS(header!, '', 'namespace'), 'https://pb.example.com/Porta/SOAP/Session');
    }
    const address = childByLocalName(childByLocalName(childByLocalName(root, 'service')!, 'port')!, 'address')!;
    assert.equal(attributeNS(address, '', 'location'), `http://127.0.0.1:8442/soap/${service}ResellerService`);
  }
});

test('the namespace host defaults to the endpoint host', () => {
  const wsdl = generateWsdl({ service: 'Customer', realm: 'admin', baseUrl: 'https://dispatcher.example.net:8443' });
  assert.match(wsdl, /targetNamespace="https:\/\/dispatcher.example.net\/Porta\/SOAP\/Customer"/);
  assert.match(wsdl, /location="https:\/\/dispatcher.example.net:8443\/soap\/CustomerAdminService"/);
  assert.throws(() => generateWsdl({ service: 'toString', realm: 'admin', baseUrl: 'http://x' }), /Unknown SOAP service toString/);
});
