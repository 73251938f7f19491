import type { FieldKind } from '../model/records.ts';
import type { SimHandlerTable, SimSystem } from './sim-context.ts';
import { findCustomer } from './locate.ts';
import { reqInt, reqObject } from './params.ts';
import { validatePatch } from './record-patch.ts';
import { simFault } from './sim-faults.ts';

const PRODUCT_WRITABLE: Readonly<Record<string, FieldKind>> = { name: 'string', description: 'string', info_url: 'string', maintenance_fee: 'number' };
const CLASS_WRITABLE: Readonly<Record<string, FieldKind>> = { name: 'string', grace_period: 'integer', notification_period: 'integer' };

/** Simulated PortaBilling release reported by Generic/get_version. */
export const SIM_VERSION = 'MR105-sim';

/**
 * Configuration entities (Product, CustomerClass, DiscountPlan), the per-customer Subscription
 * list, and Env/Generic information.
 */
export function registerCatalogService(table: SimHandlerTable, sys: SimSystem): void {
  const { store } = sys;
  const cfg = store.config;
  const staffOnly = (realm: string, user: { realm: string }): void => {
    if (user.realm !== 'admin') throw simFault('permissionDenied', `The ${realm} realm cannot change configuration`);
  };

  table.set('Product/get_product_list', () => ({ product_list: [...cfg.products.values()] }));
  table.set('Product/get_product_info', (_ctx, params) => {
    const id = reqInt(params, 'i_product');
    const p = cfg.products.get(id);
    if (!p) throw simFault('productNotFound', `Product not found: i_product ${id}`);
    return { product_info: p };
  });
  table.set('Product/update_product', (ctx, params) => {
    staffOnly(ctx.realm, ctx.user);
    const info = reqObject(params, 'product_info');
    const id = reqInt(info, 'i_product');
    const p = cfg.products.get(id);
    if (!p) throw simFault('productNotFound', `Product not found: i_product ${id}`);
    cfg.products.set(id, { ...p, ...validatePatch(info, PRODUCT_WRITABLE) });
    return { i_product: id };
  });

  table.set('CustomerClass/get_customer_class_list', () => ({ customer_class_list: [...cfg.customerClasses.values()] }));
  table.set('CustomerClass/get_customer_class_info', (_ctx, params) => {
    const id = reqInt(params, 'i_customer_class');
    const c = cfg.customerClasses.get(id);
    if (!c) throw simFault('customerClassNotFound', `Customer class not found: i_customer_class ${id}`);
    return { customer_class_info: c };
  });
  table.set('CustomerClass/update_customer_class', (ctx, params) => {
    staffOnly(ctx.realm, ctx.user);
    const info = reqObject(params, 'customer_class_info');
    const id = reqInt(info, 'i_customer_class');
    const c = cfg.customerClasses.get(id);
    if (!c) throw simFault('customerClassNotFound', `Customer class not found: i_customer_class ${id}`);
    cfg.customerClasses.set(id, { ...c, ...validatePatch(info, CLASS_WRITABLE) });
    return { i_customer_class: id };
  });

  table.set('DiscountPlan/get_discount_plan_list', () => ({
    discount_plan_list: [...cfg.discountPlans.values()].map((d) => ({
      ...d,
      volume_discount_plan: (typeof d.i_vd_plan === 'number' ? cfg.vdPlans.get(d.i_vd_plan) : undefined) ?? null,
    })),
  }));

  table.set('Subscription/get_subscription_list', (ctx, params) => {
    // As in PortaBilling, staff asking without a customer get the subscription plans themselves.
    if (ctx.user.realm === 'admin' && ['i_customer', 'login', 'name', 'refnum'].every((k) => params[k] === undefined)) {
      return { subscription_list: [...cfg.subscriptionPlans.values()] };
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
