import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSimulator } from '../../src/sim/simulator.ts';
import { startDispatcher } from '../../src/app/create-dispatcher.ts';
import { testConfig } from '../helpers/stack.ts';
import { REDIS_URL, requireService } from '../helpers/services.ts';

async function loginFault(base: string, login: string, password: string): Promise<string | undefined> {
  const res = await fetch(`${base}/rest/Session/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: { login, password } }) });
  const body = await res.json() as { faultcode?: string };
  return body.faultcode;
}

test('two dispatcher nodes whose sessions share Redis share the login throttle: with a limit of 3, the 4th failure is blocked', async (t) => {
  if (!(await requireService(t, 'redis'))) return;
  const source = await createSimulator({ role: 'source', env: 3, customers: 5, seed: 1 });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 5, seed: 1 });
  t.after(() => target.close());
  const config = testConfig(source, target, {
    sessions: { store: 'redis', redisUrl: REDIS_URL, secret: 'demo-secret-not-for-production' },
    security: { loginFailures: { max: 3, windowSeconds: 30 } },
  });
  const nodes = [await startDispatcher(config), await startDispatcher(config)];
  for (const n of nodes) t.after(() => n.close());
  const [a, b] = nodes.map((n) => n.urls.admin!) as [string, string];
  const login = `robot-${randomBytes(5).toString('hex')}`;
  assert.equal(await loginFault(a, login, 'wrong-1'), 'Server.Session.auth_failed');
  assert.equal(await loginFault(b, login, 'wrong-2'), 'Server.Session.auth_failed');
  assert.equal(await loginFault(a, login, 'wrong-3'), 'Server.Session.auth_failed');
  // Node b has seen one failure itself; the shared count has three.
  assert.equal(await loginFault(b, login, 'wrong-4'), 'Server.Session.cannot_login_brute_force_activity');
  assert.equal(await loginFault(a, login, 'wrong-5'), 'Server.Session.cannot_login_brute_force_activity');
  // Other logins are not affected.
  assert.equal(await loginFault(b, 'admin', 'demo-admin'), undefined);
});
