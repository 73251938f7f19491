import type { ApiCall, SystemName } from '../core/api-call.ts';
import type { DispatcherSession } from '../sessions/session.ts';
import type { BackendClient, BackendListener, BackendResponse } from '../backends/backend-client.ts';
import type { Reply } from '../core/reply.ts';
import { isReadCall } from '../core/method-kinds.ts';
import type { BackendPayload } from './raw-request-body.ts';
import { ApiFault, PortaFaultCode, dispatcherFault } from '../core/faults.ts';
import { compose, type Stage } from './compose.ts';

/** One call sent to one system on behalf of a dispatcher session (single forward, each side of a merge or broadcast). */
export interface SystemCall {
  readonly call: ApiCall;
  readonly session: DispatcherSession;
  readonly system: SystemName;
  readonly payload: BackendPayload;
  /** For the call log. */
  readonly plan: string;
  /** Set by a stage that reads a successful reply: the reply comes back as text instead of streamed. */
  wantText?: boolean;
  /** The fault code of a failed reply, when it had one (read by the stages around the send). */
  faultcode?: string;
}

export type SystemStage = Stage<SystemCall, Reply>;
export type SystemCaller = (ctx: SystemCall) => Promise<Reply>;

/** Reply headers worth passing through; hop-by-hop and backend-internal headers are not. */
const PASSED_HEADERS = ['content-type', 'content-disposition', 'content-length', 'etag', 'last-modified', 'cache-control', 'content-encoding'];

export function listenerOf(call: ApiCall): BackendListener {
  return call.portasip ? 'portasip' : call.realm;
}

export function backendPath(call: ApiCall): string {
  return `${call.portasip ? '/portasip' : '/rest'}/${call.service}/${call.method}`;
}

function passHeaders(res: BackendResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED_HEADERS) {
    const v = res.headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

function faultcodeOf(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { faultcode?: unknown }).faultcode;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The terminal step: sends the call with the session's backend token and passes the reply
 * through (streamed when large). A failed reply is read as text and its fault code noted.
 */
export function sendToSystem(backends: BackendClient): SystemCaller {
  return async (ctx) => {
    const { call, session, system } = ctx;
    const backendSession = session.backends[system];
    if (backendSession === undefined) throw new ApiFault(PortaFaultCode.authFailed, `This session has no ${system} session`);
    const { payload } = ctx;
    const envelope = payload.envelope;
    const res = await backends.request({
      system, listener: listenerOf(call), path: payload.path ?? backendPath(call), requestId: call.requestId, idempotent: isReadCall(call),
      ...(envelope === undefined
        ? { body: payload.body, accessToken: backendSession.accessToken }
        : { body: envelope.withSession(backendSession.sessionId), headers: envelope.headers }),
      ...(payload.contentType === undefined ? {} : { contentType: payload.contentType }),
      ...(payload.method === undefined ? {} : { method: payload.method }),
    });
    if (res.status === 200 && ctx.wantText !== true) {
      return { status: 200, headers: passHeaders(res), body: res.body.buffered ?? res.body.stream(), plan: ctx.plan, systems: [system] };
    }
    const text = await res.body.text();
    const headers = passHeaders(res);
    if (res.status !== 200) {
      const code = envelope === undefined ? faultcodeOf(text) : envelope.faultOf(text)?.faultcode;
      if (code !== undefined) ctx.faultcode = code;
      // An error page of something in front of the system (a proxy's 502 in HTML, say) is no
      // PortaBilling reply: the client gets a fault saying so, not the page.
      else if (!/json|xml/i.test(headers['content-type'] ?? '')) {
        throw dispatcherFault('backendUnavailable', `The ${system} system answered HTTP ${res.status} with ${headers['content-type'] ?? 'no content type'} instead of a PortaBilling reply`, { retryable: true });
      }
      delete headers['content-length'];
    }
    return { status: res.status, headers, body: text, plan: ctx.plan, systems: [system] };
  };
}

/** The backend call chain: the stages around the send (renewal, learning), in order. */
export function systemCaller(stages: readonly SystemStage[], send: SystemCaller): SystemCaller {
  const run = compose(stages, send);
  // async: a stage that throws synchronously still gives its caller (a broadcast side) a rejection.
  return async (ctx) => run(ctx);
}
