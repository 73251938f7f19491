import type { JsonObject, Realm, SystemName } from '../../core/api-call.ts';
import type { SimPrincipal } from '../auth/principal.ts';
import type { SessionManager } from '../auth/session-manager.ts';
import type { SimStore } from '../model/sim-store.ts';
import type { WriteLog } from '../model/write-log.ts';

/** Who calls, independent of the wire format (REST today, SOAP later). */
export interface SimCallContext {
  realm: Realm;
  user: SimPrincipal;
  clientIp: string;
}

/** A service method: validates its params, applies realm scoping, returns the reply object or throws ApiFault. */
export type SimHandler = (ctx: SimCallContext, params: JsonObject) => JsonObject;

/** The state of one simulated system that service handlers work on. */
export interface SimSystem {
  role: SystemName;
  env: number;
  store: SimStore;
  writeLog: WriteLog;
  sessions: SessionManager;
}

/** `Service/method` → handler. */
export type SimHandlerTable = Map<string, SimHandler>;
