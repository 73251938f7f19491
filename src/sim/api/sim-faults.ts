import { ApiFault, PortaFaultCode } from '../../core/faults.ts';

/**
 * Fault codes the simulator sends, in PortaBilling's style (all as HTTP 500). The session codes
 * are PortaBilling's own (PortaFaultCode); the rest follow its `Server.<Entity>.<reason>` shape.
 */
export const SimFaultCode = {
  ...PortaFaultCode,
  customerNotFound: 'Server.Customer.customer_not_found',
  accountNotFound: 'Server.Account.account_not_found',
  productNotFound: 'Server.Product.product_not_found',
  customerClassNotFound: 'Server.CustomerClass.customer_class_not_found',
  portaSipAccountNotFound: 'Server.PortaSIP.account_not_found',
  /** A write to a customer (or one of its accounts) that has been transferred to the other system. */
  customerMoved: 'Server.Customer.customer_moved',
  duplicateCustomer: 'Server.Customer.duplicate_entry',
  duplicateAccount: 'Server.Account.duplicate_entry',
  invoiceNotFound: 'Server.Invoice.invoice_not_found',
  subscriptionNotFound: 'Server.Customer.subscription_not_found',
  didNotFound: 'Server.DID.did_number_not_found',
  didInUse: 'Server.DID.did_number_in_use',
  uaNotFound: 'Server.UA.ua_not_found',
  aliasNotFound: 'Server.Account.alias_not_found',
  vdCounterNotFound: 'Server.Customer.vd_counter_not_found',
  documentNotFound: 'Server.Customer.document_not_found',
  otpInvalid: 'Server.AccessControl.otp_invalid',
  requestTooLarge: 'Client.request_too_large',
  /** Raised by fault injection (`POST /sim/faults` error_rate). */
  injected: 'Server.Sim.injected_error',
  internal: 'Server.internal_error',
  /** Migration transfer (`/sim/transfer`, `/sim/import`) failures. */
  transferFailed: 'Server.Sim.transfer_failed',
  alreadyMoved: 'Server.Sim.customer_already_moved',
  customerLiveHere: 'Server.Sim.customer_live_here',
} as const;

export type SimFaultName = keyof typeof SimFaultCode;

export function simFault(name: SimFaultName, faultstring: string): ApiFault {
  return new ApiFault(SimFaultCode[name], faultstring);
}
