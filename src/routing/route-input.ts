import type { ApiCall, Realm, SystemName } from '../core/api-call.ts';
import type { Location, Locator } from '../core/location.ts';
import type { PagingMode } from '../core/api-call.ts';

/** The part of a session the router looks at. */
export interface RouteSession {
  realm: Realm;
  context: SystemName;
  pinned?: SystemName;
  iCustomer?: number;
  /** Systems this session holds a backend session with. */
  available: SystemName[];
}

export interface RouterConfig {
  envs: Record<SystemName, number>;
  listMerge: ReadonlySet<string>;
  broadcastServices: ReadonlySet<string>;
  paging: PagingMode;
  /** A write naming no placeable record: `refuse` (strict, default) or run in the `context`. */
  unroutableWrites: 'refuse' | 'context';
}

/** Everything the router decides from; the pipeline's locate stage resolves locations before it. */
export interface RouteInput {
  call: ApiCall;
  session: RouteSession | undefined;
  /** The call's locators with their resolved locations (undefined: no system holds it). */
  locations: Array<{ locator: Locator; location: Location | undefined }>;
  /** The retail session's own customer, resolved (retail sessions only). */
  retailLocation?: Location | undefined;
  /** The i_env the call names, if any. */
  env: number | undefined;
  config: RouterConfig;
}
