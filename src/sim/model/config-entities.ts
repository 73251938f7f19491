import type { JsonObject } from '../../core/api-call.ts';
import { hash3, pick } from './hash.ts';

/**
 * Configuration entities (products, customer classes, discount plans with volume-discount plans,
 * subscription plans, bundle promotions). They depend on the seed only — never on the role — so both systems started
 * with the same seed hold identical ones with identical IDs.
 */
export interface ConfigEntities {
  products: Map<number, JsonObject>;
  customerClasses: Map<number, JsonObject>;
  discountPlans: Map<number, JsonObject>;
  /** i_vd_plan → volume discount plan (each belongs to one discount plan). */
  vdPlans: Map<number, JsonObject>;
  subscriptionPlans: Map<number, JsonObject>;
  bundlePromotions: Map<number, JsonObject>;
}

const PRODUCT_NAMES = ['Home Basic', 'Home Unlimited', 'Business Line', 'Business Trunk', 'Mobile Plus', 'Prepaid Talk'] as const;
const CLASS_NAMES = ['Residential', 'Small Business', 'Enterprise', 'Wholesale'] as const;
const PLAN_NAMES = ['Evening Minutes', 'International Saver', 'Business Bundle'] as const;
const DEST_GROUPS = ['Domestic', 'Mobile', 'International', 'Toll-free'] as const;
const SUBSCRIPTION_NAMES = ['Monthly line rental', 'Voicemail to email', 'Call recording', 'Extra DID'] as const;
const PROMOTION_NAMES = ['Welcome minutes', 'Loyalty bundle', 'Summer data'] as const;

export const PRODUCT_COUNT = PRODUCT_NAMES.length;
export const CUSTOMER_CLASS_COUNT = CLASS_NAMES.length;
export const DISCOUNT_PLAN_COUNT = PLAN_NAMES.length;
export const SUBSCRIPTION_PLAN_COUNT = SUBSCRIPTION_NAMES.length;
export const BUNDLE_PROMOTION_COUNT = PROMOTION_NAMES.length;

function money(h: number, max: number): number {
  return Math.round((h % (max * 100)) ) / 100;
}

/** The name of the i-th entity (0-based) of a type: the named ones first, then numbered copies of them. */
function nameAt(names: readonly string[], i: number): string {
  const base = names[i % names.length]!;
  return i < names.length ? base : `${base} ${Math.floor(i / names.length) + 1}`;
}

/**
 * The seeded configuration. `perType` (default: the named ones, 3 to 6 per type) makes every type
 * hold that many entities, the named ones first and numbered copies after them (a benchmark asks
 * for 10,000 per type).
 */
export function buildConfigEntities(seed: number, perType?: number): ConfigEntities {
  const count = (names: readonly string[]) => perType ?? names.length;
  const products = new Map<number, JsonObject>();
  for (let i = 0; i < count(PRODUCT_NAMES); i++) {
    const name = nameAt(PRODUCT_NAMES, i);
    const h = hash3(seed, i, 101);
    products.set(i + 1, {
      i_product: i + 1,
      name,
      description: `${name} product`,
      iso_4217: 'USD',
      i_product_group: 1 + (h % 3),
      maintenance_fee: money(h >>> 3, 50),
      info_url: `https://example.com/products/${i + 1}`,
    });
  }
  const customerClasses = new Map<number, JsonObject>();
  for (let i = 0; i < count(CLASS_NAMES); i++) {
    const h = hash3(seed, i, 102);
    customerClasses.set(i + 1, {
      i_customer_class: i + 1,
      name: nameAt(CLASS_NAMES, i),
      grace_period: 3 + (h % 12),
      notification_period: 1 + (h % 5),
      iso_4217: 'USD',
    });
  }
  const discountPlans = new Map<number, JsonObject>();
  const vdPlans = new Map<number, JsonObject>();
  for (let i = 0; i < count(PLAN_NAMES); i++) {
    const name = nameAt(PLAN_NAMES, i);
    const h = hash3(seed, i, 103);
    const i_vd_plan = i + 1;
    const dg = pick(DEST_GROUPS, h);
    const threshold = 100 * (1 + (h % 10));
    vdPlans.set(i_vd_plan, { i_vd_plan, name: `${name} volume`, i_dest_group: 1 + DEST_GROUPS.indexOf(dg), dg_name: dg, threshold, unit: 'minutes' });
    discountPlans.set(i + 1, {
      i_discount_plan: i + 1,
      name,
      iso_4217: 'USD',
      i_vd_plan,
      discount_rate: 5 + (h % 20),
    });
  }
  const subscriptionPlans = new Map<number, JsonObject>();
  for (let i = 0; i < count(SUBSCRIPTION_NAMES); i++) {
    const h = hash3(seed, i, 104);
    subscriptionPlans.set(i + 1, { i_subscription: i + 1, name: nameAt(SUBSCRIPTION_NAMES, i), iso_4217: 'USD', periodic_fee: money(h, 30) });
  }
  const bundlePromotions = new Map<number, JsonObject>();
  for (let i = 0; i < count(PROMOTION_NAMES); i++) {
    const h = hash3(seed, i, 105);
    bundlePromotions.set(i + 1, {
      i_bundle_promotion: i + 1, name: nameAt(PROMOTION_NAMES, i), i_product: 1 + (h % PRODUCT_NAMES.length), free_minutes: 10 * (1 + (h % 30)), valid_days: 30,
    });
  }
  return { products, customerClasses, discountPlans, vdPlans, subscriptionPlans, bundlePromotions };
}
