import { readConfigFile, ConfigError } from '../config/load-config.ts';
import { createLogger } from '../core/logger.ts';
import { startDispatcher } from '../app/create-dispatcher.ts';
import { StartupAborted, StartupError } from '../app/open-with-retries.ts';
import { parseCommand, UsageError } from './command-args.ts';

const USAGE = `usage: webdispatcher start --config <file.yaml>
  Starts the dispatcher on every listener the config names and prints one ready line of JSON
  ({"ready":true,"pid":…,"dispatcher":{…}}). With workers > 1, that many processes (node:cluster).
  SIGTERM stops gracefully (not ready, drain, close); SIGINT, or a second signal, at once.
  A store that cannot be opened (after bounded retries) ends it with one line and exit 1.
  -c, --config FILE   the configuration (see config/example.yaml; webdispatcher check-config FILE)
`;

/** `webdispatcher start --config FILE`: listens on every configured listener and prints one ready line. */
export async function run(argv: string[]): Promise<number> {
  const args = parseCommand({ name: 'start', usage: USAGE, options: { config: { type: 'string', short: 'c' } } }, argv);
  if (args === undefined) return 0;
  const { values } = args;
  if (values.config === undefined) throw new UsageError('start', 'missing --config <file.yaml>');
  let config;
  let warnings: string[];
  try {
    ({ config, warnings } = readConfigFile(values.config));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  // Before the workers fork, so a cluster warns once.
  const logger = createLogger(config.log.level);
  for (const warning of warnings) logger.warn('config setting has no effect', { setting: warning });
  if (config.workers > 1) {
    const { runCluster } = await import('../app/cluster.ts');
    return runCluster(config, values.config);
  }
  // A signal while the stores are still being opened (retries can take seconds) stops the start
  // cleanly instead of leaving it to finish and listen.
  const starting = new AbortController();
  const abortStart = () => starting.abort();
  process.once('SIGINT', abortStart);
  process.once('SIGTERM', abortStart);
  let running;
  try {
    running = await startDispatcher(config, { signal: starting.signal });
  } catch (err) {
    if (err instanceof StartupAborted) {
      process.stderr.write('webdispatcher start: interrupted by a signal before it listened; stopped\n');
      return 0;
    }
    if (err instanceof StartupError) {
      process.stderr.write(`webdispatcher start: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    process.off('SIGINT', abortStart);
    process.off('SIGTERM', abortStart);
  }
  if (starting.signal.aborted) {
    await running.close();
    return 0;
  }
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
