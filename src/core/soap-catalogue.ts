/**
 * The SOAP services, operations and request params that the WSDLs describe (SPEC §3 and the
 * simulator's method list). A typed SOAP client only sends the params its WSDL declares, so every
 * param a client may need is listed; results are left loose (`xsd:anyType`) on purpose.
 */

/** An XSD scalar, or the name of one of the struct types in `SOAP_STRUCTS`. */
export type SoapParamType = 'int' | 'int' | 'string' | 'double' | 'boolean' | 'dateTime' | 'anyType' | { struct: string };

export type SoapParams = Readonly<Record<string, SoapParamType>>;

const paging = { limit: 'int', offset: 'int', get_total: 'int' } as const;

/** Struct types used as params (`update_customer({customer_info})`), by type name. */
export const SOAP_STRUCTS: Readonly<Record<string, SoapParams>> = {
  CustomerInfo: {
    i_customer: 'int', login: 'string', password: 'string', name: 'string', companyname: 'string',
    firstname: 'string', lastname: 'string', email: 'string', notes: 'string', refnum: 'string',
    balance: 'double', credit_limit: 'double', iso_4217: 'string', bill_status: 'string',
    i_customer_class: 'int', i_parent: 'int', i_env: 'int', phone1: 'string', cont1: 'string',
    address_line_2: 'string', city: 'string', zip: 'string', country: 'string', blocked: 'string',
  },
  AccountInfo: {
    i_account: 'int', id: 'string', login: 'string', password: 'string', i_customer: 'int',
    balance: 'double', credit_limit: 'double', billing_model: 'int', is_active: 'string', blocked: 'string',
    i_product: 'int', email: 'string', note: 'string', iso_4217: 'string', i_env: 'int',
  },
  ProductInfo: {
    i_product: 'int', name: 'string', description: 'string', iso_4217: 'string', i_env: 'int',
  },
  CustomerClassInfo: {
    i_customer_class: 'int', name: 'string', description: 'string', i_env: 'int',
  },
  AliasInfo: {
    i_alias: 'int', i_master_account: 'int', id: 'string', blocked: 'string',
  },
  SubscriptionInfo: {
    i_customer_subscription: 'int', i_subscription: 'int', start_date: 'string', finish_date: 'string',
  },
  UAInfo: {
    i_ua: 'int', name: 'string', description: 'string', inventory_id: 'string', ascii_key: 'string',
  },
};

/** Session-header fields (`auth_info`), in the `…/Porta/SOAP/Session` namespace. */
export const SOAP_AUTH_INFO: SoapParams = { session_id: 'string', login: 'string', password: 'string', token: 'string', i_env: 'int' };

/** Service → operation → request params. */
export const SOAP_SERVICES: Readonly<Record<string, Readonly<Record<string, SoapParams>>>> = {
  Session: {
    login: { login: 'string', user: 'string', password: 'string', token: 'string' },
    logout: { session_id: 'string', access_token: 'string' },
    ping: { session_id: 'string', access_token: 'string' },
    get_session_context: {},
    set_session_context: { i_env: 'int' },
  },
  Customer: {
    get_customer_info: { i_customer: 'int', login: 'string', name: 'string', refnum: 'string', without_service_features: 'int' },
    get_customer_list: { ...paging, login: 'string', name: 'string', email: 'string', i_parent: 'int', i_customer_class: 'int', i_env: 'int' },
    add_customer: { customer_info: { struct: 'CustomerInfo' } },
    update_customer: { customer_info: { struct: 'CustomerInfo' } },
    get_customer_xdrs: { i_customer: 'int', from_date: 'string', to_date: 'string', ...paging },
    get_vd_counter_list: { i_customer: 'int', i_vd_plan: 'int' },
    reset_vd_counter: { i_customer: 'int', i_vd_counter: 'int' },
    get_subscriptions: { i_customer: 'int' },
    add_subscription: { i_customer: 'int', subscription_info: { struct: 'SubscriptionInfo' } },
    update_subscription: { i_customer: 'int', subscription_info: { struct: 'SubscriptionInfo' } },
    close_subscription: { i_customer: 'int', i_customer_subscription: 'int' },
    get_document_list: { i_customer: 'int' },
    get_document_info: { i_document: 'int' },
  },
  Account: {
    get_account_info: { i_account: 'int', id: 'string', login: 'string', without_service_features: 'int' },
    get_account_list: { i_customer: 'int', ...paging, id: 'string', login: 'string' },
    add_account: { account_info: { struct: 'AccountInfo' } },
    update_account: { account_info: { struct: 'AccountInfo' } },
    get_xdr_list: { i_account: 'int', from_date: 'string', to_date: 'string', ...paging },
    add_alias: { alias_info: { struct: 'AliasInfo' } },
    get_alias_list: { i_master_account: 'int' },
    delete_alias: { alias_info: { struct: 'AliasInfo' } },
  },
  DID: {
    get_number_list: { ...paging, i_customer: 'int', number: 'string' },
    get_number_info: { i_did_number: 'int' },
    assign_did_to_customer: { i_did_number: 'int', i_customer: 'int' },
    release_did_from_customer: { i_did_number: 'int' },
    assign_did_to_account: { i_did_number: 'int', i_master_account: 'int' },
    release_did_from_account: { i_did_number: 'int', i_master_account: 'int' },
  },
  AccessControl: {
    create_otp: { send_to: 'string', id: 'string', notification_type: 'string', operation: 'string' },
    verify_otp: { one_time_password: 'string', operation: 'string' },
  },
  UA: {
    get_ua_list: { i_customer: 'int', ...paging },
    get_ua_info: { i_ua: 'int' },
    update_ua: { ua_info: { struct: 'UAInfo' } },
  },
  Product: {
    get_product_list: { ...paging, name: 'string', i_env: 'int' },
    get_product_info: { i_product: 'int' },
    update_product: { product_info: { struct: 'ProductInfo' } },
  },
  CustomerClass: {
    get_customer_class_list: { ...paging, name: 'string', i_env: 'int' },
    get_customer_class_info: { i_customer_class: 'int' },
    update_customer_class: { customer_class_info: { struct: 'CustomerClassInfo' } },
  },
  DiscountPlan: {
    get_discount_plan_list: { ...paging, i_env: 'int' },
  },
  Subscription: {
    get_subscription_list: { ...paging, i_customer: 'int', i_env: 'int' },
  },
  Invoice: {
    get_invoice_list: { ...paging, i_customer: 'int', from_date: 'string', to_date: 'string' },
    get_invoice_info: { i_invoice: 'int' },
  },
  Env: {
    get_env_info: { i_env: 'int' },
  },
  Generic: {
    get_version: {},
  },
};
