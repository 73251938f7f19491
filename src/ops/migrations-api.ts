import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SystemName } from '../core/api-call.ts';
import type { DirectoryRecord, LocationDirectory } from '../directory/location-directory.ts';
import type { LocationResolver } from '../core/location.ts';
import type { CutoverHolds } from '../execution/cutover-holds.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import { SYSTEMS } from '../core/api-call.ts';
import type { ApiFault} from '../core/faults.ts';
import { dispatcherFault, isApiFault } from '../core/faults.ts';
import type { LearnedCustomer } from '../migration/learn-customer.ts';
import { readBody } from '../edge/body-limit.ts';

export interface MigrationsApiDeps {
  directory: LocationDirectory;
  resolver: LocationResolver;
  holds: CutoverHolds;
  logger: Logger;
  metrics: Metrics;
  /** Longest wait for calls in flight at `begin`. */
  drainTimeoutMs: number;
  /**
   * Reads a customer's lookup keys and accounts on a system (via a service login); undefined when
   * not configured.
   */
  learnCustomer?: (system: SystemName, iCustomer: number) => Promise<LearnedCustomer>;
}


const ROUTE = /^\/v1\/migrations(?:\/(\d{1,15})\/(begin|commit|abort))?\/?$/;

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The operator's cutover API (SPEC §4.4): begin holds new calls for a customer and returns once
 * the calls in flight have finished; commit flips the location and releases the held calls to
 * the new system; abort releases them to the old one.
 */
export function createMigrationsApi(deps: MigrationsApiDeps) {
  const { directory, holds, logger } = deps;

  async function begin(iCustomer: number) {
    const started = performance.now();
    const current = await deps.resolver.resolve({ kind: 'customer', iCustomer });
    if (current === undefined) throw dispatcherFault('notFound', `Customer ${iCustomer} has no known location`, { httpStatus: 404 });
    if (deps.learnCustomer !== undefined && current.state !== 'moving') {
      // Every key and account that names this customer must resolve through the directory before
      // the move, or a lookup by login could reach the stale copy left on the old system, and an
      // account call could escape the hold. Read before holding (the backend round trips stay out
      // of the hold window) and written in one transaction; accounts created through the
      // dispatcher meanwhile are recorded as they are created.
      const found = await deps.learnCustomer(current.system, iCustomer);
      const record: DirectoryRecord = { iCustomer, system: current.system, accounts: found.accounts.map((a) => a.iAccount), accountKeys: found.accounts };
      if (found.login !== undefined && found.login !== '') record.login = found.login;
      if (found.name !== undefined && found.name !== '') record.name = found.name;
      if (found.refnum !== undefined && found.refnum !== '') record.refnum = found.refnum;
      await directory.putCustomer(record);
    }
    if (deps.learnCustomer === undefined && (await directory.accountsOf(iCustomer)).length === 0) {
      // Without its accounts, a call naming only an account would escape the hold (and keep going
      // to the old system after the move).
      throw dispatcherFault('conflict', `Cannot begin moving customer ${iCustomer}: its accounts are unknown to the directory and ops.serviceLogin is not configured to learn them; PUT /v1/locations/customers/${iCustomer} with its accounts first`, { httpStatus: 409 });
    }
    const location = await directory.beginMove(iCustomer, current.system);
    holds.markMoving(iCustomer);
    let accounts: number[] = [];
    try {
      accounts = await directory.accountsOf(iCustomer);
      await holds.drain(iCustomer, deps.drainTimeoutMs);
    } catch (err) {
      // Never leave a customer stuck in `moving` because the preparation failed.
      await directory.abortMove(iCustomer).catch(() => undefined);
      holds.release(iCustomer);
      throw err;
    }
    const ms = Math.round((performance.now() - started) * 100) / 100;
    logger.info('cutover begin', { iCustomer, from: current.system, accounts: accounts.length, ms });
    return { i_customer: iCustomer, state: location.state, system: location.system, version: location.version, accounts, drained_ms: ms };
  }

  async function commit(iCustomer: number, body: Buffer) {
    let system: unknown;
    try {
      system = body.length === 0 ? undefined : (JSON.parse(body.toString('utf8')) as { system?: unknown }).system;
    } catch {
      throw dispatcherFault('badRequest', 'The body must be JSON like {"system":"target"}', { httpStatus: 400 });
    }
    if (typeof system !== 'string' || !SYSTEMS.includes(system as SystemName)) {
      throw dispatcherFault('badRequest', `commit needs {"system":"source"|"target"}, got ${JSON.stringify(system)}`, { httpStatus: 400 });
    }
    const location = await directory.commitMove(iCustomer, system as SystemName);
    holds.release(iCustomer);
    logger.info('cutover commit', { iCustomer, system: location.system });
    deps.metrics.inc('webdispatcher_cutovers_total', 'Cutovers ended, by outcome and destination', { outcome: 'commit', system: location.system });
    return { i_customer: iCustomer, state: location.state, system: location.system, version: location.version };
  }

  async function abort(iCustomer: number) {
    const location = await directory.abortMove(iCustomer);
    holds.release(iCustomer);
    logger.info('cutover abort', { iCustomer, system: location.system });
    deps.metrics.inc('webdispatcher_cutovers_total', 'Cutovers ended, by outcome and destination', { outcome: 'abort', system: location.system });
    return { i_customer: iCustomer, state: location.state, system: location.system, version: location.version };
  }

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
      const result = m[2] === 'begin' ? await begin(iCustomer) : m[2] === 'commit' ? await commit(iCustomer, body) : await abort(iCustomer);
      send(res, 200, result);
    } catch (err) {
      const fault: ApiFault = isApiFault(err) ? err : dispatcherFault('internal', (err as Error).message);
      const status = fault.httpStatus === 500 && fault.faultcode.endsWith('conflict') ? 409 : fault.httpStatus;
      send(res, status, fault.toJSON());
    }
    return true;
  };
}
