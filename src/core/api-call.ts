/**
 * One PortaBilling API call, decoded from whatever the client sent (REST in three styles, SOAP).
 * Nothing past the edge codecs knows about form fields, JSON bodies or XML.
 */
export type Realm = 'admin' | 'reseller' | 'customer' | 'account';
export const REALMS: readonly Realm[] = ['admin', 'reseller', 'customer', 'account'];

export type SystemName = 'source' | 'target';
export const SYSTEMS: readonly SystemName[] = ['source', 'target'];

/** How merged lists are paged: the same limit/offset on each system (PortaBilling's behaviour) or one global order. */
export type PagingMode = 'per-system' | 'exact';

/** How the client framed its request; the reply is encoded back in the same style. */
export type RequestStyle = 'form' | 'multipart' | 'json' | 'path' | 'soap' | 'espf';

/** Credentials as the client presented them (any of them may be absent). */
export interface CallCredentials {
  /** From auth_info.session_id, the legacy path segment, or the SOAP auth_info header. */
  sessionId?: string;
  /** From `Authorization: Bearer`. */
  accessToken?: string;
  /** auth_info {login,password} / {login,token}: a one-shot authenticated call. */
  login?: string;
  password?: string;
  token?: string;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface ApiCall {
  realm: Realm;
  /** `Customer`, `Session`, … (PortaSIP calls keep their service name, e.g. `Voicemail`). */
  service: string;
  method: string;
  params: JsonObject;
  /** `auth_info` object as sent (may carry i_env). */
  authInfo: JsonObject;
  credentials: CallCredentials;
  style: RequestStyle;
  /** True for calls that arrived on the PortaSIP API listener. */
  portasip: boolean;
  clientIp: string;
  requestId: string;
  /** The caller's login once the session is known (set by authentication), for the call log. */
  login?: string;
}
