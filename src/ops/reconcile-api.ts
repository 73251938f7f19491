import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReconcileMonitor } from '../consistency/reconcile-monitor.ts';
import type { ApiFault } from '../core/faults.ts';
import { dispatcherFault, isApiFault } from '../core/faults.ts';
import { readBody } from '../edge/body-limit.ts';

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Whether a `POST /v1/directory/reconcile` body asks for corrections (`{"fix":true}`); empty = report only. */
function fixOf(raw: Buffer): boolean {
  const text = raw.toString('utf8').trim();
  if (text === '') return false;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw dispatcherFault('badRequest', 'The body must be a JSON object like {"fix":true} (or empty)', { httpStatus: 400 });
  const fix = (body as Record<string, unknown>).fix;
  if (fix !== undefined && typeof fix !== 'boolean') throw dispatcherFault('badRequest', `fix must be true or false, got ${JSON.stringify(fix).slice(0, 100)}`, { httpStatus: 400 });
  return fix === true;
}

/**
 * The directory reconcile API (issue 13), a face over `ReconcileMonitor`: `GET` answers the last
 * report (null before the first run), `POST` (optional body `{"fix":true}`) runs one now.
 */
export function createReconcileApi(monitor: ReconcileMonitor) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0]!;
    if (path !== '/v1/directory/reconcile' && path !== '/v1/directory/reconcile/') return false;
    try {
      if (req.method === 'GET') return send(res, 200, monitor.status()), true;
      if (req.method !== 'POST') throw dispatcherFault('methodNotAllowed', 'Use GET /v1/directory/reconcile (the last report) or POST (run one now; {"fix":true} corrects entries)', { httpStatus: 405 });
      const fix = fixOf(await readBody(req, 4096));
      const report = await monitor.run(fix, 'api');
      send(res, 200, { ...monitor.status(), report });
    } catch (err) {
      const fault: ApiFault = isApiFault(err) ? err : dispatcherFault('internal', (err as Error).message);
      send(res, fault.httpStatus, fault.toJSON());
    }
    return true;
  };
}
