import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SystemName } from '../core/api-call.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import type { CutoverHolds } from '../execution/cutover-holds.ts';
import type { Cutover } from '../migration/cutover.ts';
import { SYSTEMS } from '../core/api-call.ts';
import type { ApiFault} from '../core/faults.ts';
import { dispatcherFault, isApiFault } from '../core/faults.ts';
import { readBody } from '../edge/body-limit.ts';

export interface MigrationsApiDeps {
  cutover: Cutover;
  directory: LocationDirectory;
  holds: CutoverHolds;
}

const ROUTE = /^\/v1\/migrations(?:\/(\d{1,15})\/(begin|commit|abort))?\/?$/;

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The operator's cutover API (SPEC §4.4), an HTTP face over `Cutover`: begin holds new calls for a
 * customer and returns once the calls in flight have finished; commit flips the location and
 * releases the held calls to the new system; abort releases them to the old one.
 */
export function createMigrationsApi(deps: MigrationsApiDeps) {
  const { directory, holds, cutover } = deps;

  const commit = (iCustomer: number, body: Buffer) => {
    let system: unknown;
    try {
      system = body.length === 0 ? undefined : (JSON.parse(body.toString('utf8')) as { system?: unknown }).system;
    } catch {
      throw dispatcherFault('badRequest', 'The body must be JSON like {"system":"target"}', { httpStatus: 400 });
    }
    if (typeof system !== 'string' || !SYSTEMS.includes(system as SystemName)) {
      throw dispatcherFault('badRequest', `commit needs {"system":"source"|"target"}, got ${JSON.stringify(system)}`, { httpStatus: 400 });
    }
    return cutover.commit(iCustomer, system as SystemName);
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const m = ROUTE.exec((req.url ?? '').split('?')[0]!);
    if (m === null) return false;
    try {
      if (m[1] === undefined) {
        if (req.method !== 'GET') throw dispatcherFault('methodNotAllowed', 'Use GET /v1/migrations', { httpStatus: 405 });
        const moving = await directory.listMoving();
        send(res, 200, { migrations: moving.map((l) => ({ i_customer: l.iCustomer, state: l.state, system: l.system, version: l.version, updated_at: l.updatedAt })), held_calls: holds.heldCalls() });
        return true;
      }
      if (req.method !== 'POST') throw dispatcherFault('methodNotAllowed', `Use POST /v1/migrations/${m[1]}/${m[2]}`, { httpStatus: 405 });
      const iCustomer = Number(m[1]);
      const body = await readBody(req, 64 * 1024);
      const result = m[2] === 'begin' ? await cutover.begin(iCustomer) : m[2] === 'commit' ? await commit(iCustomer, body) : await cutover.abort(iCustomer);
      send(res, 200, result);
    } catch (err) {
      const fault: ApiFault = isApiFault(err) ? err : dispatcherFault('internal', (err as Error).message);
      const status = fault.httpStatus === 500 && fault.faultcode.endsWith('conflict') ? 409 : fault.httpStatus;
      send(res, status, fault.toJSON());
    }
    return true;
  };
}
