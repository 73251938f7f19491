import { once } from 'node:events';
import { isIP } from 'node:net';
import { createSimulator } from '../sim/simulator.ts';
import type { SystemName } from '../core/api-call.ts';
import { parseCommand, UsageError } from './command-args.ts';

const USAGE = `usage: webdispatcher sim --role source|target --env <i_env> [--customers N] [--config-entities N] [--seed S] [--port-base P] [--host ADDR]
  One simulated PortaBilling system (REST and SOAP on one port per realm, plus its admin port);
  prints one ready line of JSON when every listener is up, stops on SIGINT or SIGTERM.
  --port-base P   listen on P, P+1, … instead of ephemeral ports;  --host ADDR  an IP to bind (default 127.0.0.1)
`;

function intOption(name: string, raw: string | undefined, min: number, max: number): number | string | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) return `--${name} must be an integer, got "${raw}"`;
  const n = Number(raw);
  if (n < min || n > max) return `--${name} must be between ${min} and ${max}, got ${n}`;
  return n;
}

/**
 * `webdispatcher sim`: starts one simulated PortaBilling system, prints one ready line of JSON
 * when every listener is up, and shuts down on SIGINT/SIGTERM. Bad arguments: exit code 2.
 */
export async function run(argv: string[]): Promise<number> {
  const args = parseCommand({
    name: 'sim', usage: USAGE,
    options: { role: { type: 'string' }, env: { type: 'string' }, customers: { type: 'string' }, 'config-entities': { type: 'string' }, seed: { type: 'string' }, 'port-base': { type: 'string' }, host: { type: 'string' } },
  }, argv);
  if (args === undefined) return 0;
  const values: Record<string, string | boolean | undefined> = args.values;
  const problems: string[] = [];
  const role = values.role;
  if (role !== 'source' && role !== 'target') problems.push(`--role must be "source" or "target", got ${role === undefined ? 'nothing' : `"${String(role)}"`}`);
  const env = intOption('env', values.env as string | undefined, 1, 2_147_483_647);
  if (env === undefined) problems.push('--env <i_env> is required');
  const customers = intOption('customers', values.customers as string | undefined, 0, 50_000_000);
  const configEntities = intOption('config-entities', values['config-entities'] as string | undefined, 0, 1_000_000);
  const seed = intOption('seed', values.seed as string | undefined, 0, 2_147_483_647);
  const portBase = intOption('port-base', values['port-base'] as string | undefined, 0, 65_531);
  for (const v of [env, customers, configEntities, seed, portBase]) if (typeof v === 'string') problems.push(v);
  const host = values.host as string | undefined;
  // An address to bind, not a name: a typo must not make the simulator listen somewhere unexpected.
  if (host !== undefined && isIP(host) === 0) problems.push(`--host must be an IP address, got "${host}"`);
  if (problems.length > 0 || typeof env !== 'number') {
    throw new UsageError('sim', problems.join('; '));
  }
  const sim = await createSimulator({
    role: role as SystemName,
    env,
    ...(typeof customers === 'number' ? { customers } : {}),
    ...(typeof seed === 'number' ? { seed } : {}),
    ...(typeof configEntities === 'number' ? { configEntities } : {}),
    ...(typeof portBase === 'number' ? { portBase } : {}),
    ...(host !== undefined ? { host } : {}),
  });
  process.stdout.write(`${sim.readyLine()}\n`);
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await sim.close();
  return 0;
}
