import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CampaignController } from '../migration/campaign-controller.ts';
import type { ApiFault } from '../core/faults.ts';
import { dispatcherFault, isApiFault } from '../core/faults.ts';
import { readBody } from '../edge/body-limit.ts';

const ROUTE = /^\/v1\/campaigns(?:\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})(?:\/(start|pause|resume|abort|rollback))?)?\/?$/;

/** Campaign bodies may list up to a million ids. */
const MAX_BODY = 16 * 1024 * 1024;

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The campaigns API (issue 12), an HTTP face over `CampaignController`: `POST /v1/campaigns`
 * (201), `POST /v1/campaigns/{name}/start|pause|resume|abort|rollback`, `GET /v1/campaigns` and
 * `GET /v1/campaigns/{name}`.
 */
export function createCampaignsApi(controller: CampaignController | undefined) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0]!;
    if (!path.startsWith('/v1/campaigns')) return false;
    try {
      if (controller === undefined) throw dispatcherFault('backendUnavailable', 'Campaigns need ops.serviceLogin in the config (prechecks and verifies read both systems with it)', { httpStatus: 503 });
      const m = ROUTE.exec(path);
      if (m === null) throw dispatcherFault('notFound', `No campaign endpoint at ${path.slice(0, 120)} (campaign names are 1-64 letters, digits, '.', '_' or '-')`, { httpStatus: 404 });
      const [, name, action] = m;
      if (name === undefined) {
        if (req.method === 'GET') return send(res, 200, { campaigns: await controller.list() }), true;
        if (req.method !== 'POST') throw dispatcherFault('methodNotAllowed', 'Use GET or POST /v1/campaigns', { httpStatus: 405 });
        const raw = await readBody(req, MAX_BODY);
        let body: unknown;
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw dispatcherFault('badRequest', 'The body must be a JSON object like {"name":"wave-1","select":{"all":true},"batchSize":100,"concurrency":4}', { httpStatus: 400 });
        }
        send(res, 201, await controller.create(body));
        return true;
      }
      if (action === undefined) {
        if (req.method !== 'GET') throw dispatcherFault('methodNotAllowed', `Use GET /v1/campaigns/${name}`, { httpStatus: 405 });
        send(res, 200, await controller.status(name));
        return true;
      }
      if (req.method !== 'POST') throw dispatcherFault('methodNotAllowed', `Use POST /v1/campaigns/${name}/${action}`, { httpStatus: 405 });
      await readBody(req, 64 * 1024);
      const status = action === 'start' ? await controller.start(name) : action === 'pause' ? await controller.pause(name)
        : action === 'resume' ? await controller.resume(name) : action === 'abort' ? await controller.abort(name) : await controller.rollback(name);
      send(res, 200, status);
    } catch (err) {
      const fault: ApiFault = isApiFault(err) ? err : dispatcherFault('internal', (err as Error).message);
      send(res, fault.httpStatus, fault.toJSON());
    }
    return true;
  };
}
