import { isApiFault } from '../../core/faults.ts';
import type { JsonObject } from '../../core/api-call.ts';
import type { SimSystem } from '../api/sim-context.ts';
import { findAccount, findCustomer } from '../api/locate.ts';
import { simFault } from '../api/sim-faults.ts';
import { formatPortaTime } from '../model/porta-time.ts';
import { jsonFault, jsonReply, type SimHttpRequest, type SimHttpResponse, type SimHttpRoute } from '../http/sim-http.ts';
import { decodeRestCall } from '../rest/rest-decode.ts';
import type { AutoLoginSigner } from './auto-login-token.ts';

/** The REST methods this route adds to the admin and reseller realms. */
export const AUTO_LOGIN_METHODS = ['Customer/get_auto_login_url', 'Account/get_auto_login_url'] as const;

/** Path of the portal page that redeems a token. */
export const AUTO_LOGIN_PATH = '/auto-login';

/**
 * "Log in as this customer" as PortaBilling's admin interface offers it:
 * `Customer/get_auto_login_url {"i_customer"|"login"|...}` and
 * `Account/get_auto_login_url {"i_account"|"id"|"login"}` (admin and reseller realms; a reseller
 * only for its own customers) reply `{"url","expires_at","expires_in"}`: a one-time link to this
 * system's self-care portal, signed by this system, valid AUTO_LOGIN_TTL_SECONDS. Mounted in
 * front of the REST route of the admin and reseller listeners.
 */
export function autoLoginApiRoute(o: { sys: SimSystem; signer: AutoLoginSigner; portalUrl: () => string }): SimHttpRoute {
  const { sys, signer } = o;
  const paths = new Set(AUTO_LOGIN_METHODS.map((m) => `/rest/${m}`));
  return {
    name: 'auto-login-api',
    matches: (method, rawPath) => {
      if (method !== 'POST') return false;
      const [, rest, service, fn] = rawPath.split('/');
      return paths.has(`/${rest}/${service}/${fn}`);
    },
    fault: jsonFault,
    handle(req: SimHttpRequest): SimHttpResponse {
      try {
        const call = decodeRestCall(req, '/rest/');
        if (req.listener !== 'admin' && req.listener !== 'reseller') throw simFault('unknownMethod', `Unknown method ${call.service}/${call.method}`);
        const { principal } = sys.sessions.resolve(call.credentials, req.listener, req.clientIp);
        const ctx = { realm: principal.realm, user: principal, clientIp: req.clientIp };
        const base = { i_env: sys.env, role: sys.role, issued_by: principal.login };
        let minted;
        if (call.service === 'Customer') {
          const c = findCustomer(sys, ctx, call.params);
          minted = signer.sign({ ...base, realm: 'customer', i_customer: c.i_customer });
        } else {
          const a = findAccount(sys, ctx, call.params);
          minted = signer.sign({ ...base, realm: 'account', i_customer: a.i_customer, i_account: a.i_account });
        }
        const url = `${o.portalUrl()}${AUTO_LOGIN_PATH}?token=${minted.token}`;
        const reply: JsonObject = { url, expires_at: formatPortaTime(minted.claims.exp * 1000), expires_in: minted.claims.exp - minted.claims.iat };
        return jsonReply(reply);
      } catch (err) {
        if (isApiFault(err)) return jsonFault(err);
        return jsonFault(simFault('internal', `Internal error: ${err instanceof Error ? err.message : String(err)}`));
      }
    },
  };
}
