import { readConfigFile, ConfigError } from '../config/load-config.ts';
import type { DispatcherConfig } from '../config/config.ts';
import { BackendClient } from '../backends/backend-client.ts';
import { ServiceClient } from '../backends/service-client.ts';
import { EnvCheck } from '../backends/env-check.ts';
import { SYSTEMS } from '../core/api-call.ts';
import { createLogger } from '../core/logger.ts';
import { parseCommand, UsageError } from './command-args.ts';

const USAGE = `usage: webdispatcher check-config <file.yaml> [--probe]      (or --config <file.yaml>)
  Validates the config and lists every problem at once (exit 1 if any); settings that have no
  effect as the rest of the file stands are printed as warnings (exit 0). Every setting and its
  default: docs/configuration.md.
  --probe also asks each configured system its i_env (Env/get_env_info with ops.serviceLogin) and
  compares it with the configured env: exit 1 when one answers another env or both answer the
  same one, 2 when a system could not be asked (or there is no ops.serviceLogin), 0 when verified.
`;

/** The same check the dispatcher runs at start and on readiness probes, once, from here. */
async function probe(config: DispatcherConfig): Promise<number> {
  const backends = new BackendClient(config);
  try {
    const check = new EnvCheck({
      envs: { source: config.systems.source.env, target: config.systems.target.env },
      service: ServiceClient.fromConfig(config, backends, 'check-config'), refreshMs: 0, logger: createLogger('silent'),
    });
    const report = await check.check();
    for (const s of SYSTEMS) process.stdout.write(`${s}: ${report.systems[s].status}: ${report.systems[s].message}\n`);
    if (!report.ok) {
      process.stderr.write('environment mapping is wrong\n');
      return 1;
    }
    return SYSTEMS.every((s) => report.systems[s].status === 'verified') ? 0 : 2;
  } finally {
    await backends.close();
  }
}

/** `webdispatcher check-config FILE [--probe]`: validates and prints every problem at once. */
export async function run(argv: string[]): Promise<number> {
  const args = parseCommand({ name: 'check-config', usage: USAGE, maxPositionals: 1, options: { config: { type: 'string', short: 'c' }, probe: { type: 'boolean' } } }, argv);
  if (args === undefined) return 0;
  const { values, positionals } = args;
  if (positionals[0] !== undefined && values.config !== undefined) throw new UsageError('check-config', 'give the file once: check-config FILE or check-config --config FILE');
  const file = positionals[0] ?? values.config;
  if (file === undefined) throw new UsageError('check-config', 'missing <file.yaml>');
  let config: DispatcherConfig;
  let warnings: string[];
  try {
    ({ config, warnings } = readConfigFile(file));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(`${file}: configuration is valid${warnings.length > 0 ? ` (${warnings.length} warning${warnings.length > 1 ? 's' : ''})` : ''}\n`);
  return values.probe === true ? probe(config) : 0;
}
