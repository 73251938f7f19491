import type { FieldKind } from '../model/records.ts';
import type { SimHandlerTable, SimSystem } from './sim-context.ts';
import { findCustomer } from './locate.ts';
import { simFault } from './sim-faults.ts';
import { listConfigEntities, registerConfigEntityService, type ConfigEntitySpec } from './config-entity-service.ts';

const PRODUCT_WRITABLE: Readonly<Record<string, FieldKind>> = {
  name: 'string', description: 'string', info_url: 'string', maintenance_fee: 'number', iso_4217: 'string', i_product_group: 'integer',
};
const CLASS_WRITABLE: Readonly<Record<string, FieldKind>> = { name: 'string', grace_period: 'integer', notification_period: 'integer', iso_4217: 'string' };
const DISCOUNT_PLAN_WRITABLE: Readonly<Record<string, FieldKind>> = { name: 'string', iso_4217: 'string', i_vd_plan: 'nullable-integer', discount_rate: 'number' };
const VD_PLAN_WRITABLE: Readonly<Record<string, FieldKind>> = { name: 'string', i_dest_group: 'integer', dg_name: 'string', threshold: 'number', unit: 'string' };
const SUBSCRIPTION_WRITABLE: Readonly<Record<string, FieldKind>> = { name: 'string', iso_4217: 'string', periodic_fee: 'number' };
const PROMOTION_WRITABLE: Readonly<Record<string, FieldKind>> = { name: 'string', i_product: 'integer', free_minutes: 'integer', valid_days: 'integer' };

/** Simulated PortaBilling release reported by Generic/get_version. */
export const SIM_VERSION = 'MR105-sim';

/**
 * Configuration entities (Product, CustomerClass, DiscountPlan, VolumeDiscountPlan,
 * BundlePromotion, Subscription plans: list, info, add, update, delete, each on this system only),
 * the per-customer Subscription list, and Env/Generic information.
 */
export function registerCatalogService(table: SimHandlerTable, sys: SimSystem): void {
  const { store } = sys;
  const cfg = store.config;
  const exists = (map: Map<number, unknown>, field: string, v: unknown): void => {
    if (typeof v === 'number' && !map.has(v)) throw simFault('validation', `${field} ${v} does not exist`);
  };

  registerConfigEntityService(table, {
    service: 'Product', entity: 'product', idField: 'i_product', entities: cfg.products, writable: PRODUCT_WRITABLE,
    required: ['name'], defaults: { description: '', iso_4217: 'USD', i_product_group: 1, maintenance_fee: 0, info_url: '' },
  });
  registerConfigEntityService(table, {
    service: 'CustomerClass', entity: 'customer_class', idField: 'i_customer_class', entities: cfg.customerClasses, writable: CLASS_WRITABLE,
    required: ['name'], defaults: { grace_period: 7, notification_period: 3, iso_4217: 'USD' },
  });
  registerConfigEntityService(table, {
    service: 'DiscountPlan', entity: 'discount_plan', idField: 'i_discount_plan', entities: cfg.discountPlans, writable: DISCOUNT_PLAN_WRITABLE,
    required: ['name'], defaults: { iso_4217: 'USD', i_vd_plan: null, discount_rate: 0 },
    view: (d) => ({ ...d, volume_discount_plan: (typeof d.i_vd_plan === 'number' ? cfg.vdPlans.get(d.i_vd_plan) : undefined) ?? null }),
    checkReferences: (f) => exists(cfg.vdPlans, 'i_vd_plan', f.i_vd_plan),
  });
  registerConfigEntityService(table, {
    service: 'VolumeDiscountPlan', entity: 'volume_discount_plan', idField: 'i_vd_plan', entities: cfg.vdPlans, writable: VD_PLAN_WRITABLE,
    required: ['name'], defaults: { i_dest_group: 1, dg_name: 'Domestic', threshold: 100, unit: 'minutes' },
  });
  registerConfigEntityService(table, {
    service: 'BundlePromotion', entity: 'bundle_promotion', idField: 'i_bundle_promotion', entities: cfg.bundlePromotions, writable: PROMOTION_WRITABLE,
    required: ['name', 'i_product'], defaults: { free_minutes: 0, valid_days: 30 },
    checkReferences: (f) => exists(cfg.products, 'i_product', f.i_product),
  });
  const subscriptionPlans: ConfigEntitySpec = {
    service: 'Subscription', entity: 'subscription', idField: 'i_subscription', entities: cfg.subscriptionPlans, writable: SUBSCRIPTION_WRITABLE,
    required: ['name'], defaults: { iso_4217: 'USD', periodic_fee: 0 }, registerList: false,
  };
  registerConfigEntityService(table, subscriptionPlans);

  table.set('Subscription/get_subscription_list', (ctx, params) => {
    // As in PortaBilling, staff asking without a customer get the subscription plans themselves.
    if (ctx.user.realm === 'admin' && ['i_customer', 'login', 'name', 'refnum'].every((k) => params[k] === undefined)) {
      return listConfigEntities(subscriptionPlans, params);
    }
    const c = findCustomer(sys, ctx, params);
    return {
      subscription_list: store.subscriptionsOf(c.i_customer).map((s) => {
        const plan = typeof s.i_subscription === 'number' ? cfg.subscriptionPlans.get(s.i_subscription) : undefined;
        return { ...s, name: plan?.name ?? null, periodic_fee: plan?.periodic_fee ?? null };
      }),
    };
  });

  table.set('Env/get_env_info', () => ({
    env_info: { i_env: sys.env, name: `${sys.role} environment ${sys.env}`, description: `Simulated PortaBilling (${sys.role})`, version: SIM_VERSION },
  }));
  table.set('Generic/get_version', () => ({ version: SIM_VERSION, build: 'webdispatcher-simulator' }));
}
