import type { JsonObject } from '../../core/api-call.ts';

/** A customer as the simulator stores it (i_env is added on output: it is the system's). */
export interface SimCustomer {
  i_customer: number;
  login: string;
  password: string;
  name: string;
  companyname: string;
  firstname: string;
  lastname: string;
  email: string;
  notes: string;
  balance: number;
  credit_limit: number | null;
  iso_4217: string;
  bill_status: string;
  blocked: string;
  i_customer_class: number;
  i_customer_type: number;
  i_parent: number | null;
  i_discount_plan: number | null;
  refnum: string;
  creation_date: string;
  /** Office hierarchy, as PortaBilling's customer_info: see OFFICE_TYPE. */
  i_office_type: number;
  /** The main office (an i_customer) of a branch office; null otherwise. */
  i_main_office: number | null;
}

/** PortaBilling's `i_office_type` values. */
export const OFFICE_TYPE = { none: 1, branchOffice: 2, mainOffice: 3 } as const;

/** An account (one phone line) of a customer. */
export interface SimAccount {
  i_account: number;
  id: string;
  login: string;
  password: string;
  i_customer: number;
  balance: number;
  credit_limit: number | null;
  billing_model: number;
  is_active: number;
  blocked: string;
  i_product: number;
  email: string;
  note: string;
  iso_4217: string;
  activation_date: string;
}

/** PortaSIP-side settings of one account. */
export interface SimPortaSipState {
  voicemail: JsonObject;
  menu: JsonObject;
  rooms: JsonObject[];
}

/** Kinds of writable fields: writes are validated against these. */
export type FieldKind = 'string' | 'number' | 'nullable-number' | 'integer' | 'nullable-integer' | 'YN';

export const CUSTOMER_WRITABLE: Readonly<Record<string, FieldKind>> = {
  login: 'string',
  password: 'string',
  name: 'string',
  companyname: 'string',
  firstname: 'string',
  lastname: 'string',
  email: 'string',
  notes: 'string',
  credit_limit: 'nullable-number',
  iso_4217: 'string',
  bill_status: 'string',
  blocked: 'YN',
  i_customer_class: 'integer',
  i_parent: 'nullable-integer',
  i_discount_plan: 'nullable-integer',
  refnum: 'string',
  i_office_type: 'integer',
  i_main_office: 'nullable-integer',
};

export const ACCOUNT_WRITABLE: Readonly<Record<string, FieldKind>> = {
  id: 'string',
  login: 'string',
  password: 'string',
  credit_limit: 'nullable-number',
  billing_model: 'integer',
  is_active: 'integer',
  blocked: 'YN',
  i_product: 'integer',
  email: 'string',
  note: 'string',
  iso_4217: 'string',
};
