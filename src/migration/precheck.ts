import type { SystemName } from '../core/api-call.ts';
import type { ServiceClient } from '../backends/service-client.ts';
import { readAccounts } from './customer-snapshot.ts';

interface TargetConfig {
  products: Set<number>;
  classes: Set<number>;
  discountPlans: Map<number, number | undefined>;
  subscriptions: Set<number>;
  readAt: number;
}

const idsOf = (list: unknown, key: string): number[] =>
  (Array.isArray(list) ? (list as Array<Record<string, unknown>>) : []).map((r) => r[key]).filter((v): v is number => typeof v === 'number');

/**
 * Precheck (issue 12, step 1): every configuration entity a customer uses on the system it leaves
 * (the products and add-on products of its accounts, its customer class, its discount plan and
 * that plan's volume discount plan, its subscriptions, its reseller) exists on the system it goes
 * to with the same ID. The destination's configuration lists are read once per wave (`forget`)
 * and at most `cacheMs` old.
 */
export class Precheck {
  readonly #service: ServiceClient;
  readonly #cacheMs: number;
  readonly #config = new Map<SystemName, Promise<TargetConfig>>();

  constructor(service: ServiceClient, cacheMs = 10_000) {
    this.#service = service;
    this.#cacheMs = cacheMs;
  }

  async #configOf(system: SystemName): Promise<TargetConfig> {
    const known = this.#config.get(system);
    if (known !== undefined) {
      const c = await known.catch(() => undefined);
      if (c !== undefined && Date.now() - c.readAt < this.#cacheMs) return c;
    }
    const s = this.#service;
    const read = (async (): Promise<TargetConfig> => {
      const [products, classes, plans, subs] = await Promise.all([
        s.ok(system, '/rest/Product/get_product_list', {}),
        s.ok(system, '/rest/CustomerClass/get_customer_class_list', {}),
        s.ok(system, '/rest/DiscountPlan/get_discount_plan_list', {}),
        s.ok(system, '/rest/Subscription/get_subscription_list', {}),
      ]);
      const discountPlans = new Map<number, number | undefined>();
      for (const d of (Array.isArray(plans.discount_plan_list) ? plans.discount_plan_list : []) as Array<Record<string, unknown>>) {
        if (typeof d.i_discount_plan !== 'number') continue;
        const vd = typeof d.i_vd_plan === 'number' ? d.i_vd_plan : (d.volume_discount_plan as Record<string, unknown> | null | undefined)?.i_vd_plan;
        discountPlans.set(d.i_discount_plan, typeof vd === 'number' ? vd : undefined);
      }
      return {
        products: new Set(idsOf(products.product_list, 'i_product')),
        classes: new Set(idsOf(classes.customer_class_list, 'i_customer_class')),
        discountPlans,
        subscriptions: new Set(idsOf(subs.subscription_list, 'i_subscription')),
        readAt: Date.now(),
      };
    })();
    this.#config.set(system, read);
    return read;
  }

  /** Drops the cached configuration lists (a new wave reads them again). */
  forget(): void {
    this.#config.clear();
  }

  /** The entities missing on `to` (empty: the customer may move), each named with its id. */
  async missing(iCustomer: number, from: SystemName, to: SystemName): Promise<string[]> {
    const s = this.#service;
    const info = await s.ok(from, '/rest/Customer/get_customer_info', { i_customer: iCustomer });
    const c = info.customer_info as Record<string, unknown> | undefined;
    if (c === undefined || c === null) throw new Error(`customer ${iCustomer} not found on ${from}`);
    if (c.migration_status === 'moved') throw new Error(`customer ${iCustomer} has already moved away from ${from} (to ${String(c.moved_to)})`);
    const [accounts, subs, cfg] = await Promise.all([
      readAccounts(s, from, iCustomer),
      s.ok(from, '/rest/Subscription/get_subscription_list', { i_customer: iCustomer }),
      this.#configOf(to),
    ]);
    const missing: string[] = [];
    const products = new Set<number>();
    const addons = new Set<number>();
    for (const a of accounts) {
      if (typeof a.i_product === 'number') products.add(a.i_product);
      for (const p of idsOf(a.assigned_addons, 'i_product')) addons.add(p);
    }
    for (const p of products) if (!cfg.products.has(p)) missing.push(`product ${p}`);
    for (const p of addons) if (!cfg.products.has(p)) missing.push(`add-on product ${p}`);
    if (typeof c.i_customer_class === 'number' && !cfg.classes.has(c.i_customer_class)) missing.push(`customer class ${c.i_customer_class}`);
    if (typeof c.i_discount_plan === 'number') {
      if (!cfg.discountPlans.has(c.i_discount_plan)) missing.push(`discount plan ${c.i_discount_plan} (volume discounts)`);
      else {
        const plans = (await s.ok(from, '/rest/DiscountPlan/get_discount_plan_list', {})).discount_plan_list as Array<Record<string, unknown>> | undefined;
        const here = plans?.find((d) => d.i_discount_plan === c.i_discount_plan);
        const vd = here?.i_vd_plan;
        if (typeof vd === 'number' && cfg.discountPlans.get(c.i_discount_plan) !== vd) missing.push(`volume discount plan ${vd} of discount plan ${c.i_discount_plan}`);
      }
    }
    for (const sub of idsOf(subs.subscription_list, 'i_subscription')) if (!cfg.subscriptions.has(sub)) missing.push(`subscription ${sub}`);
    if (typeof c.i_parent === 'number') {
      // A reseller is a customer record on PortaBilling; a system that shows none (the simulator
      // keeps resellers as users only) on either side cannot tell, so only "known on the system
      // the customer leaves, unknown on the other" fails.
      const known = async (system: SystemName) => {
        const r = await s.call(system, '/rest/Customer/get_customer_info', { i_customer: c.i_parent });
        return r.status === 200 && r.json.customer_info !== undefined && r.json.customer_info !== null;
      };
      if ((await known(from)) && !(await known(to))) missing.push(`reseller ${c.i_parent}`);
    }
    return missing;
  }
}
