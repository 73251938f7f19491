import type { ApiCall, JsonObject } from '../core/api-call.ts';

/** What the edge kept of the client's request so the params can be forwarded without re-serialising. */
export interface RawRequestBody {
  /** The whole JSON body, when it carried no auth_info (forwarded byte for byte). */
  rawJsonBody?: Buffer;
  /** The params JSON text as the client sent it (form field or path segment). */
  rawParams?: string;
}

/**
 * The body sent to a backend: `{"params":…}` in JSON style, the backend's own token going in the
 * Authorization header. The client's credentials (auth_info) are never forwarded.
 */
export function backendBody(call: ApiCall, raw: RawRequestBody, override?: JsonObject): string {
  if (override !== undefined) return JSON.stringify({ params: override });
  if (raw.rawJsonBody !== undefined) return raw.rawJsonBody.toString('utf8');
  if (raw.rawParams !== undefined && raw.rawParams.trim() !== '') return `{"params":${raw.rawParams}}`;
  return JSON.stringify({ params: call.params });
}
