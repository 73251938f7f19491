import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator } from '../sim/simulator.ts';
import { startDispatcher } from '../app/create-dispatcher.ts';
import { demoConfig, DEMO_OPS_TOKEN } from '../app/demo-config.ts';
import { writeDemoState, removeDemoState } from '../app/demo-state.ts';
import { DEMO_ACCOUNT, DEMO_ADMIN, DEMO_CUSTOMER, DEMO_RESELLER } from '../sim/demo-fixtures.ts';
import { DEMO_PHONE_MAC } from '../sim/provisioning/device-registry.ts';

/**
 * `webdispatcher demo`: a seeded source (i_env 3) and target (i_env 8) simulator and the
 * dispatcher in front of them, with a SQLite directory in a temporary folder. Prints one ready line.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { customers: { type: 'string', default: '200' }, seed: { type: 'string', default: '1' }, 'log-level': { type: 'string', default: 'warn' } },
    strict: true,
  });
  const customers = Number(values.customers);
  const seed = Number(values.seed);
  const source = await createSimulator({ role: 'source', env: 3, customers, seed });
  const target = await createSimulator({ role: 'target', env: 8, customers: Math.max(1, Math.round(customers / 10)), seed });
  const dir = mkdtempSync(join(tmpdir(), 'webdispatcher-demo-'));
  const config = demoConfig(source, target, {
    directory: { store: 'sqlite', sqlitePath: join(dir, 'directory.sqlite') },
    log: { level: values['log-level'] },
  });
  const running = await startDispatcher(config);
  writeDemoState({ opsUrl: running.urls.ops!, opsToken: DEMO_OPS_TOKEN, sourceAdmin: source.urls.admin, targetAdmin: target.urls.admin });
  process.stdout.write(JSON.stringify({
    ready: true,
    dispatcher: running.urls,
    source: { env: source.env, urls: source.urls },
    target: { env: target.env, urls: target.urls },
    ops: { url: running.urls.ops, token: DEMO_OPS_TOKEN },
    credentials: {
      admin: { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password, token: DEMO_ADMIN.token },
      reseller: { login: DEMO_RESELLER.login, password: DEMO_RESELLER.password },
      customer: { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password, i_customer: DEMO_CUSTOMER.iCustomer, lives_on: 'source' },
      account: { id: DEMO_ACCOUNT.id, login: DEMO_ACCOUNT.login, password: DEMO_ACCOUNT.password, i_account: DEMO_ACCOUNT.iAccount },
    },
    phone: { mac: '00:15:65:12:34:56', file: `${DEMO_PHONE_MAC}.cfg`, i_account: DEMO_ACCOUNT.iAccount },
  }) + '\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  removeDemoState();
  await running.close();
  await Promise.all([source.close(), target.close()]);
  rmSync(dir, { recursive: true, force: true });
  return 0;
}
