import type { Realm, SystemName } from '../core/api-call.ts';
import type { SimServiceSpec } from './description/description.ts';

/**
 * The public face of one simulated PortaBilling system, as tests, the demo and benchmarks use it.
 * Built by `createSimulator` (src/sim/simulator.ts); only the CLI decides ports.
 */
export interface SimulatorOptions {
  role: SystemName;
  /** This system's billing environment id (i_env). */
  env: number;
  /** Number of seeded customers (default 200). */
  customers?: number;
  /** Seed of the deterministic data (default 1). Same seed => same config entities on both roles. */
  seed?: number;
  /**
   * Configuration entities per type (products, customer classes, discount and volume discount
   * plans, subscription plans, bundle promotions). Default: the few named ones (3 to 6 per type).
   */
  configEntities?: number;
  /** First port: admin P, reseller P+1, customer P+2, account P+3, portasip P+4, portal P+5, provisioning P+6. 0 = ephemeral (default). */
  portBase?: number;
  host?: string;
  /** Session lifetime in seconds (default 3600). */
  sessionTtlSeconds?: number;
  /** Password and API token of the `admin` user (default: the demo fixtures). */
  adminCredentials?: { password: string; token: string };
  /** More admin/reseller users (e.g. with an IP allow-list). */
  extraUsers?: SimExtraUser[];
  /** Request body cap in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /**
   * Gives one seeded account `count` xDRs (generated deterministically on demand, newest first,
   * over the last 60 days) for large-reply tests and benchmarks. Default: none.
   */
  heavyXdrs?: { iAccount: number; count: number };
  /**
   * Changes the shipped API description before the simulator is built (a test adds a method or a
   * struct field): the REST and SOAP methods, WSDLs and docs all follow it.
   */
  extendDescription?: (services: SimServiceSpec[]) => SimServiceSpec[];
  /** Size in bytes of generated downloads (invoice PDFs, call recordings); default 4096. Up to 1 GiB. */
  downloadBytes?: number;
}

/** An additional staff user of a simulator. */
export interface SimExtraUser {
  realm: 'admin' | 'reseller';
  login: string;
  password: string;
  token?: string;
  /** Reseller only: its i_customer (customers with this i_parent are its own). */
  iCustomer?: number;
  /** When set, calls from other client addresses are refused with Server.Session.ip_not_allowed. */
  allowedIps?: string[];
}

export type SimListener = Realm | 'portasip';

export interface SimulatorUrls {
  admin: string;
  reseller: string;
  customer: string;
  account: string;
  portasip: string;
  /** Self-care web portal (HTML). */
  portal?: string;
  /** CPE provisioning files over HTTP (`/<mac>.cfg`). */
  provisioning?: string;
}

export interface RunningSimulator {
  role: SystemName;
  env: number;
  urls: SimulatorUrls;
  /** The ready line the CLI prints: {"ready":true,"role":…,"env":…,"urls":{…}}. */
  readyLine(): string;
  close(): Promise<void>;
}
