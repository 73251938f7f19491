import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator } from '../sim/simulator.ts';
import { startDispatcher } from '../app/create-dispatcher.ts';
import { demoConfig, DEMO_OPS_TOKEN } from '../app/demo-config.ts';
import { demoStateFile, writeDemoState, removeDemoState } from '../app/demo-state.ts';
import { DEMO_ACCOUNT, DEMO_ADMIN, DEMO_CUSTOMER, DEMO_RESELLER } from '../sim/demo-fixtures.ts';
import { DEMO_PHONE_MAC } from '../sim/provisioning/device-registry.ts';
import { parseCommand, UsageError } from './command-args.ts';

const USAGE = `usage: webdispatcher demo [--customers N] [--seed S] [--log-level debug|info|warn|error|silent] [--exit-with-parent]
  A seeded source (i_env 3) and target (i_env 8) simulator and the dispatcher in front of them,
  on ephemeral loopback ports; prints one ready line of JSON with every address and credential.
  Its ops address is kept for the other commands in $XDG_STATE_HOME/webdispatcher/demos/<ops-port>.json
  (else ~/.local/state/…) until it stops; with several demos, name one with --demo <ops-port>.
  --customers N        customers on the source (default 200; the target gets a tenth)
  --seed S             the data's seed (default 1)
  --log-level L        default warn
  --exit-with-parent   stop when the process that started it goes away (npm start uses it)
  Stops on SIGINT, SIGTERM or SIGHUP.
`;

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/**
 * Resolves when the process that started this one is gone: a parent killed outright (SIGKILL)
 * forwards no signal, and the demo must not outlive `npm start`.
 */
function parentGone(signal: AbortSignal): Promise<void> {
  const parent = process.ppid;
  return new Promise((resolve) => {
    const timer = setInterval(() => { if (process.ppid !== parent) { clearInterval(timer); resolve(); } }, 500);
    timer.unref();
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  });
}

/**
 * `webdispatcher demo`: a seeded source (i_env 3) and target (i_env 8) simulator and the
 * dispatcher in front of them, with a SQLite directory in a temporary folder. Prints one ready line.
 */
export async function run(argv: string[]): Promise<number> {
  const args = parseCommand({
    name: 'demo', usage: USAGE,
    options: { customers: { type: 'string', default: '200' }, seed: { type: 'string', default: '1' }, 'log-level': { type: 'string', default: 'warn' }, 'exit-with-parent': { type: 'boolean' } },
  }, argv);
  if (args === undefined) return 0;
  const { values } = args;
  if (!/^\d{1,8}$/.test(values.customers) || Number(values.customers) < 1) throw new UsageError('demo', `--customers must be a whole number from 1, got ${JSON.stringify(values.customers)}`);
  if (!/^\d{1,10}$/.test(values.seed)) throw new UsageError('demo', `--seed must be a whole number, got ${JSON.stringify(values.seed)}`);
  const level = values['log-level'];
  if (!(LEVELS as readonly string[]).includes(level)) throw new UsageError('demo', `--log-level must be one of ${LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  const customers = Number(values.customers);
  const seed = Number(values.seed);
  const source = await createSimulator({ role: 'source', env: 3, customers, seed });
  const target = await createSimulator({ role: 'target', env: 8, customers: Math.max(1, Math.round(customers / 10)), seed });
  const dir = mkdtempSync(join(tmpdir(), 'webdispatcher-demo-'));
  const config = demoConfig(source, target, {
    directory: { store: 'sqlite', sqlitePath: join(dir, 'directory.sqlite') },
    log: { level },
  });
  const running = await startDispatcher(config);
  const opsPort = Number(new URL(running.urls.ops!).port);
  const stateFile = demoStateFile(opsPort);
  writeDemoState({ pid: process.pid, opsPort, opsUrl: running.urls.ops!, opsToken: DEMO_OPS_TOKEN, sourceAdmin: source.urls.admin, targetAdmin: target.urls.admin, startedAt: new Date().toISOString() });
  const stopped = new AbortController();
  try {
    process.stdout.write(JSON.stringify({
      ready: true,
      pid: process.pid,
      dispatcher: running.urls,
      source: { env: source.env, urls: source.urls },
      target: { env: target.env, urls: target.urls },
      ops: { url: running.urls.ops, token: DEMO_OPS_TOKEN, port: opsPort },
      state: stateFile,
      credentials: {
        admin: { login: DEMO_ADMIN.login, password: DEMO_ADMIN.password, token: DEMO_ADMIN.token },
        reseller: { login: DEMO_RESELLER.login, password: DEMO_RESELLER.password },
        customer: { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password, i_customer: DEMO_CUSTOMER.iCustomer, lives_on: 'source' },
        account: { id: DEMO_ACCOUNT.id, login: DEMO_ACCOUNT.login, password: DEMO_ACCOUNT.password, i_account: DEMO_ACCOUNT.iAccount },
      },
      phone: { mac: '00:15:65:12:34:56', file: `${DEMO_PHONE_MAC}.cfg`, i_account: DEMO_ACCOUNT.iAccount },
    }) + '\n');
    // The handlers stay until the process exits: a second signal (npm forwards one, a user presses
    // Ctrl-C twice) must not meet the default action halfway through the cleanup below.
    await Promise.race([
      new Promise<void>((resolve) => {
        for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => resolve());
      }),
      ...(values['exit-with-parent'] === true ? [parentGone(stopped.signal)] : []),
    ]);
  } finally {
    stopped.abort();
    removeDemoState(opsPort);
    await running.close();
    await Promise.all([source.close(), target.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}
