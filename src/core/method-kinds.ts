/**
 * What a PortaBilling method does, told by its name. Reads are safe to retry after a connection
 * failure, and a read that names no record may run in the session's context; a write may not
 * guess (see `routing.unroutableWrites`).
 */
const READ_PREFIXES = ['get_', 'list_', 'search_'];

export function isReadMethod(method: string): boolean {
  if (method === 'ping') return true;
  for (const p of READ_PREFIXES) if (method.startsWith(p)) return true;
  return false;
}

/** Whether a call only reads: by its method name, or for the ESPF API (method `GET /…`) by its HTTP verb. */
export function isReadCall(call: { style: string; method: string }): boolean {
  return call.style === 'espf' ? call.method.startsWith('GET ') || call.method.startsWith('HEAD ') : isReadMethod(call.method);
}

/**
 * Services whose records are configuration shared by both systems with the same ids (products,
 * classes, plans, tariffs…), not customer data: a write to them runs in the session's context
 * (or on both systems when configuration writes are mirrored).
 */
export const CONFIGURATION_SERVICES: ReadonlySet<string> = new Set([
  'Product', 'CustomerClass', 'DiscountPlan', 'VolumeDiscountPlan', 'BundlePromotion', 'Subscription', 'Tariff', 'Rate',
  'Destination', 'DestinationGroup', 'ServicePolicy', 'ServiceFeatures', 'AccessLevel', 'Currency', 'Generic', 'Env',
  'Reseller', 'Distributor', 'Representative', 'Vendor', 'Connection', 'Node', 'RoutingPlan', 'TaxTransaction',
  'Dialing', 'CallbackRule', 'SIPDevice', 'CustomField', 'Template', 'Notification', 'Role', 'User',
]);

export function isConfigurationMethod(service: string): boolean {
  return CONFIGURATION_SERVICES.has(service);
}
