import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DriftMonitor } from '../consistency/drift-monitor.ts';
import type { ApiFault } from '../core/faults.ts';
import { dispatcherFault, isApiFault } from '../core/faults.ts';
import { readBody } from '../edge/body-limit.ts';

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The entity types a `POST /v1/drift` body asks for (none: the configured ones). */
function entitiesOf(raw: Buffer): string[] | undefined {
  const text = raw.toString('utf8').trim();
  if (text === '') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw dispatcherFault('badRequest', 'The body must be a JSON object like {"entities":["product","customer_class"]} (or empty)', { httpStatus: 400 });
  const entities = (body as Record<string, unknown>).entities;
  if (entities === undefined) return undefined;
  if (!Array.isArray(entities) || entities.some((e) => typeof e !== 'string')) throw dispatcherFault('badRequest', `entities must be a list of type names, got ${JSON.stringify(entities).slice(0, 100)}`, { httpStatus: 400 });
  return entities as string[];
}

/**
 * The drift API (issue 13), a face over `DriftMonitor`: `GET /v1/drift` answers the last report
 * and when it ran (`report` null before the first run), `POST /v1/drift` (optional body
 * `{"entities":[…]}`) runs a comparison now and answers the same shape with the new report.
 */
export function createDriftApi(monitor: DriftMonitor) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0]!;
    if (path !== '/v1/drift' && path !== '/v1/drift/') return false;
    try {
      if (req.method === 'GET') return send(res, 200, monitor.status()), true;
      if (req.method !== 'POST') throw dispatcherFault('methodNotAllowed', 'Use GET /v1/drift (the last report) or POST /v1/drift (run one now)', { httpStatus: 405 });
      const entities = entitiesOf(await readBody(req, 64 * 1024));
      const report = await monitor.run(entities, 'api');
      send(res, 200, { ...monitor.status(), report });
    } catch (err) {
      const fault: ApiFault = isApiFault(err) ? err : dispatcherFault('internal', (err as Error).message);
      send(res, fault.httpStatus, fault.toJSON());
    }
    return true;
  };
}
