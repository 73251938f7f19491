import { SimFaultCode } from '../api/sim-faults.ts';

const BY_CODE: ReadonlyMap<string, number> = new Map([
  [SimFaultCode.authFailed, 401],
  [SimFaultCode.badAccessToken, 401],
  [SimFaultCode.envelopeMissed, 401],
  [SimFaultCode.ipNotAllowed, 403],
  [SimFaultCode.permissionDenied, 403],
  [SimFaultCode.validation, 400],
  [SimFaultCode.badRequest, 400],
  [SimFaultCode.unknownMethod, 404],
  [SimFaultCode.customerMoved, 409],
  [SimFaultCode.duplicateCustomer, 409],
  [SimFaultCode.duplicateAccount, 409],
  [SimFaultCode.didInUse, 409],
  [SimFaultCode.requestTooLarge, 413],
]);

/**
 * The HTTP status an ESPF reply carries for a fault: ESPF reports failures by status (401 makes
 * clients such as the porta/billing PHP library re-login), with the PortaBilling fault as its
 * JSON body.
 */
export function espfStatusOf(faultcode: string): number {
  const known = BY_CODE.get(faultcode);
  if (known !== undefined) return known;
  if (faultcode.endsWith('_not_found')) return 404;
  return 500;
}
