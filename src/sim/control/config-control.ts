import type { JsonObject } from '../../core/api-call.ts';
import type { SimSystem } from '../api/sim-context.ts';
import { optInt, optString } from '../api/params.ts';
import { simFault } from '../api/sim-faults.ts';

const KINDS = ['product', 'customer_class', 'discount_plan', 'volume_discount_plan', 'bundle_promotion', 'subscription'] as const;

/**
 * `POST /sim/config/delete {"kind","id"}`: removes one configuration entity on this system only,
 * so tests can make the two systems' configurations differ (a campaign precheck must notice). The
 * admin API does the same with `<Service>/delete_<entity>` (and add/update) on one system.
 */
export function deleteConfigEntity(sys: SimSystem, body: JsonObject): JsonObject {
  const kind = optString(body, 'kind');
  const id = optInt(body, 'id');
  if (kind === undefined || !(KINDS as readonly string[]).includes(kind)) throw simFault('validation', `kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(body.kind)}`);
  if (id === undefined) throw simFault('validation', 'id (an integer) is required');
  const cfg = sys.store.config;
  const maps: Record<(typeof KINDS)[number], Map<number, JsonObject>> = {
    product: cfg.products, customer_class: cfg.customerClasses, discount_plan: cfg.discountPlans,
    volume_discount_plan: cfg.vdPlans, bundle_promotion: cfg.bundlePromotions, subscription: cfg.subscriptionPlans,
  };
  const map = maps[kind as (typeof KINDS)[number]];
  if (!map.delete(id)) throw simFault('validation', `No ${kind} ${id} on this system`);
  return { ok: true, kind, id };
}
