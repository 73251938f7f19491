import type { ApiCall, SystemName } from '../core/api-call.ts';
import type { BackendSession, DispatcherSession } from '../sessions/session.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import type { BackendClient, BackendListener, BackendResponse } from '../backends/backend-client.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import type { Logger } from '../core/logger.ts';
import { isReadMethod } from '../backends/backend-client.ts';
import { backendRefresh } from '../backends/backend-sessions.ts';
import { ApiFault, PortaFaultCode } from '../core/faults.ts';
import type { Reply } from '../core/reply.ts';

/** Backend faults after which a renewed backend session may succeed. */
const RENEWABLE = new Set<string>([PortaFaultCode.authFailed, PortaFaultCode.badAccessToken]);

/** Reply headers worth passing through; hop-by-hop and backend-internal headers are not. */
const PASSED_HEADERS = ['content-type', 'content-disposition', 'content-length', 'etag', 'last-modified', 'cache-control', 'content-encoding'];

export interface ForwardArgs {
  backends: BackendClient;
  sessions: SessionStore;
  directory?: LocationDirectory;
  logger: Logger;
  call: ApiCall;
  session: DispatcherSession;
  system: SystemName;
  body: string;
  plan: string;
}

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

/** Records what a creating call created, so later calls route without guessing. */
async function learnCreated(args: ForwardArgs, text: string): Promise<void> {
  const { call, directory, system } = args;
  if (directory === undefined) return;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return;
  }
  const result = json as Record<string, unknown>;
  try {
    if (call.method === 'add_account' && typeof result.i_account === 'number') {
      const info = (call.params.account_info ?? call.params) as Record<string, unknown>;
      const iCustomer = info.i_customer;
      if (typeof iCustomer === 'number') {
        const keys: { id?: string; login?: string } = {};
        if (typeof info.id === 'string') keys.id = info.id;
        if (typeof info.login === 'string') keys.login = info.login;
        await directory.putAccount(result.i_account, iCustomer, keys);
      }
    } else if (call.method === 'add_customer' && typeof result.i_customer === 'number') {
      const info = (call.params.customer_info ?? call.params) as Record<string, unknown>;
      const record: Parameters<LocationDirectory['putCustomer']>[0] = { iCustomer: result.i_customer, system };
      if (typeof info.login === 'string') record.login = info.login;
      if (typeof info.name === 'string') record.name = info.name;
      await directory.putCustomer(record);
    }
  } catch (err) {
    args.logger.warn('could not record a created record in the directory', { requestId: call.requestId, error: (err as Error).message });
  }
}

/** Renews the session's backend session on `args.system` and stores it; undefined when refused. */
async function renew(args: ForwardArgs, current: BackendSession): Promise<BackendSession | undefined> {
  const { call, session, system } = args;
  const renewed = await backendRefresh(args.backends, system, call.portasip ? 'admin' : call.realm, current, call.requestId).catch(() => undefined);
  if (renewed === undefined) return undefined;
  session.backends[system] = renewed;
  // Only this backend session changes; a session logged out meanwhile stays logged out.
  if ((await args.sessions.update(session.id, (s) => { s.backends[system] = renewed; })) === undefined) {
    throw new ApiFault(PortaFaultCode.authFailed, 'The session ended (logged out or expired): log in again');
  }
  args.logger.info('renewed backend session', { requestId: call.requestId, system, realm: session.realm });
  return renewed;
}

/**
 * Sends a call to one system with the session's backend token and passes the reply through. A
 * backend session that expired is renewed with its refresh token and the call sent once more
 * (safe: a refused session means the call did not run).
 */
export async function forwardSingle(args: ForwardArgs): Promise<Reply> {
  const { call, session, system, backends } = args;
  for (let attempt = 0; ; attempt++) {
    let backendSession = session.backends[system];
    if (backendSession === undefined) throw new ApiFault(PortaFaultCode.authFailed, `This session has no ${system} session`);
    if (attempt === 0 && backendSession.expiresAt <= Date.now() / 1000 + 2) {
      // Known to be (nearly) expired: renew first rather than spend a refused call on it.
      backendSession = (await renew(args, backendSession)) ?? backendSession;
    }
    const res = await backends.request({
      system, listener: listenerOf(call), path: backendPath(call), body: args.body, accessToken: backendSession.accessToken,
      requestId: call.requestId, idempotent: isReadMethod(call.method),
    });
    const creates = call.method === 'add_account' || call.method === 'add_customer';
    if (res.status === 200 && !creates) {
      return { status: 200, headers: passHeaders(res), body: res.body.buffered ?? res.body.stream(), plan: args.plan, systems: [system] };
    }
    const text = await res.body.text();
    if (res.status === 200) {
      await learnCreated(args, text);
      return { status: 200, headers: passHeaders(res), body: text, plan: args.plan, systems: [system] };
    }
    if (attempt === 0 && res.status >= 500) {
      let code: unknown;
      try {
        code = (JSON.parse(text) as { faultcode?: unknown }).faultcode;
      } catch {
        code = undefined;
      }
      if (typeof code === 'string' && RENEWABLE.has(code)) {
        if ((await renew(args, backendSession)) !== undefined) continue;
        throw new ApiFault(PortaFaultCode.authFailed, `The ${system} system ended this session: log in again`);
      }
    }
    const headers = passHeaders(res);
    delete headers['content-length'];
    return { status: res.status, headers, body: text, plan: args.plan, systems: [system] };
  }
}
