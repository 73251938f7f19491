// Fixtures for the unit tests of the call stages: a call, a session, a system call, a logger that
// keeps its lines, and a reply. Only tests import this file.
import type { ApiCall, JsonObject, Realm, SystemName } from '../../src/core/api-call.ts';
import type { LogFields, Logger } from '../../src/core/logger.ts';
import type { Reply } from '../../src/core/reply.ts';
import type { DispatcherSession } from '../../src/sessions/session.ts';
import type { SystemCall } from '../../src/execution/system-call.ts';
import type { BackendPayload } from '../../src/execution/raw-request-body.ts';

export function apiCall(o: Partial<ApiCall> = {}): ApiCall {
  return {
    realm: 'admin', service: 'Customer', method: 'get_customer_info', params: {}, authInfo: {}, credentials: {},
    style: 'json', portasip: false, clientIp: '10.0.0.1', requestId: 'req-1', ...o,
  } as ApiCall;
}

export function session(o: Partial<DispatcherSession> = {}): DispatcherSession {
  const now = Math.floor(Date.now() / 1000);
  return {
    id: 'sess-1', realm: 'admin' as Realm, login: 'alice', refreshSecret: 'r', createdAt: now, expiresAt: now + 3600, context: 'source',
    backends: {
      source: { sessionId: 's-src', accessToken: 'a-src', refreshToken: 'f-src', expiresAt: now + 3600 },
      target: { sessionId: 's-tgt', accessToken: 'a-tgt', refreshToken: 'f-tgt', expiresAt: now + 3600 },
    },
    missing: [], userId: 1, clientIp: '10.0.0.1', ...o,
  };
}

export function systemCall(o: { call?: Partial<ApiCall>; session?: DispatcherSession; system?: SystemName; payload?: BackendPayload } = {}): SystemCall {
  return { call: apiCall(o.call), session: o.session ?? session(), system: o.system ?? 'target', payload: o.payload ?? { body: '' }, plan: 'single' };
}

export function jsonOk(result: JsonObject | string, status = 200): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: typeof result === 'string' ? result : JSON.stringify(result), plan: 'single', systems: ['target'] };
}

export interface LoggedLine { level: string; msg: string; fields: LogFields | undefined }

export function recordingLogger(): Logger & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: string) => (msg: string, fields?: LogFields) => { lines.push({ level, msg, fields }); };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
