import type { JsonObject, Realm, SystemName } from '../../core/api-call.ts';
import type { SimPrincipal } from '../auth/principal.ts';
import type { SessionManager } from '../auth/session-manager.ts';
import type { SimStore } from '../model/sim-store.ts';
import type { WriteLog } from '../model/write-log.ts';
import type { OtpBox } from '../model/otp-box.ts';

/** Who calls, independent of the wire format (REST today, SOAP later). */
export interface SimCallContext {
  realm: Realm;
  user: SimPrincipal;
  clientIp: string;
  /** The API session the call came in (none for a one-shot auth_info login). */
  sessionId?: string;
  /** File parts of a multipart/form-data request (uploads); empty for every other call. */
  files?: readonly SimUploadedFile[];
}

/** One file part of a multipart upload, as the simulator received it. */
export interface SimUploadedFile {
  /** The form field name of the part. */
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
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
  /** One-time passwords of AccessControl/create_otp. */
  otps: OtpBox;
}

/** `Service/method` → handler. */
export type SimHandlerTable = Map<string, SimHandler>;
