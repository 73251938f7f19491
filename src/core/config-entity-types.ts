/**
 * The configuration entity types both systems hold with the same IDs (SPEC §4.11): what the
 * drift report compares, and what the config loader, the drift monitor and the mirrored writes
 * agree to call each type. PortaBilling names a type's methods after it:
 * `<Service>/get_<name>_list` answers `<name>_list`, and `<name>_info` carries one entity.
 */
export interface ConfigEntityType {
  /** `product`, `customer_class`… (the `--entity` names). */
  name: string;
  service: string;
  idField: string;
  /** Fields that show another type's entity inside this one (compared under that type, not here). */
  derivedFields?: readonly string[];
}

export const BUILT_IN_CONFIG_ENTITY_TYPES: readonly ConfigEntityType[] = [
  { name: 'product', service: 'Product', idField: 'i_product' },
  { name: 'customer_class', service: 'CustomerClass', idField: 'i_customer_class' },
  { name: 'discount_plan', service: 'DiscountPlan', idField: 'i_discount_plan', derivedFields: ['volume_discount_plan'] },
  { name: 'volume_discount_plan', service: 'VolumeDiscountPlan', idField: 'i_vd_plan' },
  { name: 'bundle_promotion', service: 'BundlePromotion', idField: 'i_bundle_promotion' },
  { name: 'subscription', service: 'Subscription', idField: 'i_subscription' },
];

/** A type's list method path on the admin REST API, and the key of its list in the reply. */
export function listMethodOf(type: ConfigEntityType): { path: string; key: string } {
  return { path: `/rest/${type.service}/get_${type.name}_list`, key: `${type.name}_list` };
}

/** What a type name, a service name and an id field must look like (config and API input). */
export const ENTITY_NAME = /^[a-z][a-z0-9_]{0,63}$/;
export const SERVICE_NAME = /^[A-Z][A-Za-z0-9]{0,63}$/;
export const ID_FIELD = /^i_[a-z0-9_]{1,63}$/;
