import type { JsonObject } from '../../core/api-call.ts';
import { isApiFault } from '../../core/faults.ts';
import type { SimSystem } from '../api/sim-context.ts';
import { simFault } from '../api/sim-faults.ts';
import { jsonFault, jsonReply, type SimHttpRequest, type SimHttpResponse, type SimHttpRoute } from '../http/sim-http.ts';
import { NO_FAULTS, parseFaultSettings, type FaultSettings } from './fault-injector.ts';
import { importCustomer, markCustomer, transferCustomer } from './transfer.ts';
import { deleteConfigEntity } from './config-control.ts';

/** What the control routes may change on the running simulator. */
export interface SimControl {
  sys: SimSystem;
  faults(): FaultSettings;
  setFaults(next: FaultSettings): Promise<void>;
  info(): JsonObject;
}

function bodyObject(req: SimHttpRequest): JsonObject {
  const text = req.body.toString('utf8');
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw simFault('badRequest', `The body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw simFault('badRequest', 'The body must be a JSON object');
  return v as JsonObject;
}

/**
 * The simulator's own control API on the admin listener (not PortaBilling's):
 * `GET /sim/info`, `POST|DELETE|GET /sim/faults`, `GET /sim/write-log?i_customer=N`,
 * `GET /sim/otp?send_to=account|customer&id=<i_account|i_customer>` (the "mailbox" of AccessControl/create_otp),
 * `POST /sim/transfer`, `POST /sim/import`, `POST /sim/mark`, `POST /sim/config/delete`.
 * Exempt from injected faults.
 */
export function controlRoute(ctl: SimControl): SimHttpRoute {
  const { sys } = ctl;
  const routes: Record<string, (req: SimHttpRequest) => Promise<JsonObject> | JsonObject> = {
    'GET /sim/info': () => ctl.info(),
    'GET /sim/faults': () => ({ faults: { ...ctl.faults() } }),
    'POST /sim/faults': async (req) => {
      const next = parseFaultSettings(bodyObject(req), ctl.faults());
      await ctl.setFaults(next);
      return { ok: true, faults: { ...next } };
    },
    'DELETE /sim/faults': async () => {
      await ctl.setFaults({ ...NO_FAULTS });
      return { ok: true, faults: { ...NO_FAULTS } };
    },
    'GET /sim/write-log': (req) => {
      const raw = req.query.get('i_customer') ?? '';
      if (!/^\d{1,15}$/.test(raw)) throw simFault('validation', `i_customer must be an integer, got ${JSON.stringify(raw)}`);
      const id = Number(raw);
      return { i_customer: id, ...sys.writeLog.entriesOf(id) } as unknown as JsonObject;
    },
    'GET /sim/otp': (req) => {
      const sendTo = req.query.get('send_to') ?? 'account';
      const raw = req.query.get('id') ?? '';
      if (!/^\d{1,15}$/.test(raw)) throw simFault('validation', `id must be the i_account (or i_customer) the OTP was sent to, got ${JSON.stringify(raw.slice(0, 40))}`);
      const pending = sys.otps.peek(sendTo, Number(raw));
      if (!pending) throw simFault('otpInvalid', `No pending one-time password for ${sendTo.slice(0, 20)} ${raw}`);
      return { send_to: sendTo, id: Number(raw), ...pending } as unknown as JsonObject;
    },
    'POST /sim/transfer': (req) => transferCustomer(sys, bodyObject(req)),
    'POST /sim/import': (req) => importCustomer(sys, bodyObject(req)),
    'POST /sim/mark': (req) => markCustomer(sys, bodyObject(req)),
    'POST /sim/config/delete': (req) => deleteConfigEntity(sys, bodyObject(req)),
  };
  return {
    name: 'sim-control',
    control: true,
    matches: (_method, rawPath) => rawPath === '/sim' || rawPath.startsWith('/sim/'),
    fault: jsonFault,
    async handle(req): Promise<SimHttpResponse> {
      const path = req.rawPath.replace(/\/+$/, '');
      const handler = routes[`${req.method} ${path}`];
      try {
        if (!handler) throw simFault('unknownMethod', `No control endpoint ${req.method} ${path.slice(0, 100)}`);
        return jsonReply(await handler(req));
      } catch (err) {
        if (isApiFault(err)) return jsonFault(err);
        return jsonFault(simFault('internal', `Internal error: ${err instanceof Error ? err.message : String(err)}`));
      }
    },
  };
}
