import { clusterCutovers } from '../cutover-counts.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpsRoute } from '../ops-route.ts';
import { CONSOLE_COOKIE, consoleCookieValue, hasOpsToken, isOpsToken } from '../ops-token.ts';
import type { LocationDirectory } from '../../directory/location-directory.ts';
import type { SessionStore } from '../../sessions/session-store.ts';
import type { CutoverHolds } from '../../execution/cutover-holds.ts';
import type { Metrics } from '../../core/metrics.ts';
import type { BackendChecks } from '../../monitoring/backend-checks.ts';
import type { SystemTotals } from '../../monitoring/system-totals.ts';
import type { TrafficHistory } from '../../monitoring/traffic-history.ts';
import type { RecentEvents } from '../../monitoring/recent-events.ts';
import { CONSOLE_PAGE } from './console-page.ts';
import { consoleAsset } from './console-assets.ts';

export interface ConsoleDeps {
  token: string;
  directory: LocationDirectory;
  sessions: SessionStore;
  holds: CutoverHolds;
  metrics: Metrics;
  /** Every worker's metrics combined (with `workers` > 1); default: `metrics`. */
  metricsView?: () => Promise<Metrics>;
  checks: BackendChecks;
  totals: SystemTotals;
  traffic: TrafficHistory;
  events: RecentEvents;
  /** How long a console sign-in lasts (default 12 h). */
  sessionMs?: number;
}

const LOGIN_BODY_LIMIT = 4096;
const MOVING_SHOWN = 200;

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store', ...headers });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const parts: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LOGIN_BODY_LIMIT) return undefined;
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The token of a sign-in body: JSON `{"token"}` or a form `token=`. */
function tokenOf(body: string, type: string | undefined): string | undefined {
  if ((type ?? '').startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body).get('token') ?? undefined;
  try {
    const v = (JSON.parse(body) as { token?: unknown }).token;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

function cookie(req: IncomingMessage, value: string, maxAgeSeconds: number): string {
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true ? '; Secure' : '';
  return `${CONSOLE_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/**
 * The operator console on the ops listener (issue 17): the page (`/`, `/dashboard`), its chart
 * library (`/assets/…`), a sign-in that turns the ops token into an HttpOnly, SameSite=Strict
 * cookie (`POST /v1/console/login`, `/logout`), and `GET /v1/console.json`, everything the page
 * shows in one read.
 */
export function createConsole(deps: ConsoleDeps): OpsRoute {
  const sessionMs = deps.sessionMs ?? 12 * 3600_000;
  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if ((path === '/' || path === '/dashboard') && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer',
        'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
      });
      res.end(req.method === 'HEAD' ? undefined : CONSOLE_PAGE);
      return true;
    }
    const asset = consoleAsset(path);
    if (asset !== undefined) {
      res.writeHead(200, { 'content-type': asset.type, 'content-length': String(asset.body.length), 'cache-control': 'public, max-age=86400' });
      res.end(asset.body);
      return true;
    }
    if (path === '/v1/console/login') {
      if (req.method !== 'POST') return sendJson(res, 405, { faultcode: 'Server.Dispatcher.method_not_allowed', faultstring: 'Use POST /v1/console/login with {"token"}' }), true;
      const body = await readBody(req);
      const token = body === undefined ? undefined : tokenOf(body, req.headers['content-type']);
      if (token === undefined || !isOpsToken(token, deps.token)) {
        return sendJson(res, 401, { faultcode: 'Server.Dispatcher.forbidden', faultstring: 'Wrong ops token' }), true;
      }
      const expires = Date.now() + sessionMs;
      sendJson(res, 200, { signed_in: true, expires_at: new Date(expires).toISOString() }, { 'set-cookie': cookie(req, consoleCookieValue(deps.token, expires), Math.floor(sessionMs / 1000)) });
      return true;
    }
    if (path === '/v1/console/logout') {
      sendJson(res, 200, { signed_in: false }, { 'set-cookie': cookie(req, '', 0) });
      return true;
    }
    if (path !== '/v1/console.json') return false;
    if (!hasOpsToken(req, deps.token)) {
      return sendJson(res, 401, { faultcode: 'Server.Dispatcher.forbidden', faultstring: 'The console needs a sign-in (POST /v1/console/login) or Authorization: Bearer <ops token>' }), true;
    }
    const moving = await deps.directory.listMoving();
    const metrics = deps.metricsView === undefined ? deps.metrics : await deps.metricsView();
    sendJson(res, 200, {
      now: Date.now(),
      migration: deps.totals.status(),
      moving: moving.slice(0, MOVING_SHOWN).map((m) => ({ i_customer: m.iCustomer, system: m.system, updated_at: m.updatedAt })),
      movingCount: moving.length,
      // Each worker holds its own calls: with workers > 1 the combined gauge sums them.
      heldCalls: deps.metricsView === undefined ? deps.holds.heldCalls() : metrics.gaugeTotal('webdispatcher_held_calls'),
      cutovers: await clusterCutovers(deps.directory),
      backends: deps.checks.status(),
      sessions: await deps.sessions.count(),
      degradedLogins: metrics.sumBy('webdispatcher_degraded_logins_total', 'missing'),
      traffic: deps.traffic.series(),
      recent: deps.events.snapshot(),
    });
    return true;
  };
}
