import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWsdlFileName, soapEndpointName } from './soap-names.ts';

test('WSDL file names map to a service and realm by their shape, and back', () => {
  assert.deepEqual(parseWsdlFileName('CustomerAdminService.wsdl'), { service: 'Customer', realm: 'admin' });
  assert.deepEqual(parseWsdlFileName('SessionAccountService.wsdl'), { service: 'Session', realm: 'account' });
  assert.deepEqual(parseWsdlFileName('CustomerClassResellerService.wsdl'), { service: 'CustomerClass', realm: 'reseller' });
  assert.deepEqual(parseWsdlFileName('NewThingAdminService.wsdl'), { service: 'NewThing', realm: 'admin' }, 'a service the dispatcher never heard of: the system says whether it exists');
  assert.equal(parseWsdlFileName('CustomerService.wsdl'), undefined);
  assert.equal(parseWsdlFileName('CustomerAdminService.xsd'), undefined);
  assert.equal(parseWsdlFileName('__proto__AdminService.wsdl'), undefined);
  assert.equal(parseWsdlFileName('customerAdminService.wsdl'), undefined);
  assert.equal(soapEndpointName('DiscountPlan', 'customer'), 'DiscountPlanCustomerService');
});
