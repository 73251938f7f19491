import { parseArgs } from 'node:util';
import { loadConfigFile, ConfigError } from '../config/load-config.ts';
import { startDispatcher } from '../app/create-dispatcher.ts';

/** `webdispatcher start --config FILE`: listens on every configured listener and prints one ready line. */
export async function run(argv: string[]): Promise<number> {
  let values: { config?: string | undefined };
  try {
    ({ values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } }, strict: true }));
  } catch (err) {
    process.stderr.write(`webdispatcher start: ${(err as Error).message}\nusage: webdispatcher start --config <file.yaml>\n`);
    return 2;
  }
  if (values.config === undefined) {
    process.stderr.write('usage: webdispatcher start --config <file.yaml>\n');
    return 2;
  }
  let config;
  try {
    config = loadConfigFile(values.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (config.workers > 1) {
    const { runCluster } = await import('../app/cluster.ts');
    return runCluster(config, values.config);
  }
  const running = await startDispatcher(config);
  process.stdout.write(JSON.stringify({ ready: true, pid: process.pid, dispatcher: running.urls }) + '\n');
  // SIGTERM (systemd, docker, an orchestrator) stops gracefully; SIGINT (Ctrl-C), or a second
  // signal during a graceful stop, stops at once.
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  if (signal === 'SIGINT') {
    await running.close();
    return 0;
  }
  const now = () => { void running.close().then(() => process.exit(1)); };
  process.once('SIGINT', now);
  process.once('SIGTERM', now);
  await running.shutdown();
  return 0;
}
