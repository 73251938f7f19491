import type { DispatcherConfig } from '../config/config.ts';
import type { SimulatorUrls } from '../sim/contract.ts';
import { validateConfig } from '../config/load-config.ts';
import { DEMO_ADMIN } from '../sim/demo-fixtures.ts';

export const DEMO_OPS_TOKEN = 'demo-ops-token';

/** A dispatcher config in front of two simulators (the demo and the end-to-end tests use it). */
export function demoConfig(
  source: { env: number; urls: SimulatorUrls },
  target: { env: number; urls: SimulatorUrls },
  overrides: Record<string, unknown> = {},
): DispatcherConfig {
  const base: Record<string, unknown> = {
    systems: { source: { env: source.env, urls: { ...source.urls } }, target: { env: target.env, urls: { ...target.urls } } },
    listen: { host: '127.0.0.1', admin: 0, reseller: 0, customer: 0, account: 0, portasip: 0, ops: 0, portal: 0, provisioning: 0 },
    sessions: { store: 'memory', secret: 'demo-secret-not-for-production' },
    directory: { store: 'memory' },
    campaigns: { defaultCopy: 'sim' },
    ops: { token: DEMO_OPS_TOKEN, serviceLogin: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } },
    log: { level: 'warn' },
  };
  for (const [k, v] of Object.entries(overrides)) {
    const current = base[k];
    base[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof current === 'object' && current !== null ? { ...current, ...v } : v;
  }
  return validateConfig(base);
}
