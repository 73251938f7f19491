import { closest } from '../core/did-you-mean.ts';
import { oneLine, UsageError } from './command-args.ts';

/**
 * `webdispatcher <command> [options]`. Each command lives in its own file and exports
 * `run(argv): Promise<number>` (the exit code); this file picks one and is the only place that
 * turns an error into what the user sees: one line, exit 2 for a usage mistake and 1 for anything
 * else, with the stack only when WEBDISPATCHER_DEBUG=1.
 */
type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  demo: { summary: 'start a seeded source + target simulator and the dispatcher', load: () => import('./demo-command.ts') },
  start: { summary: 'start the dispatcher: webdispatcher start --config <file.yaml>', load: () => import('./start-command.ts') },
  'check-config': { summary: 'validate a config file and list every problem', load: () => import('./check-config-command.ts') },
  migrate: { summary: 'move one customer: where is it → begin → copy (simulator transfer or --copy-command) → commit', load: () => import('./migrate-command.ts') },
  campaign: { summary: 'migration campaigns: create|start|pause|resume|abort|rollback|status|list', load: () => import('./campaign-command.ts') },
  sim: { summary: 'start one simulated PortaBilling system', load: () => import('./sim-command.ts') },
  locate: { summary: 'show where a customer or account lives (operator API)', load: () => import('./locate-command.ts') },
  drift: { summary: 'configuration drift between the systems (operator API): exit 1 drift, 0 none, 2 could not compare', load: () => import('./drift-command.ts') },
  directory: { summary: 'directory import FILE | directory reconcile: bulk-load or check locations', load: () => import('./directory-command.ts') },
};

const COMMAND_NAMES = Object.keys(commands);

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return `usage: webdispatcher <command> [options]      (webdispatcher <command> --help: its options)\n\ncommands:\n${lines.join('\n')}\n`;
}

const debug = (): boolean => process.env.WEBDISPATCHER_DEBUG === '1';

function report(prefix: string, err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`webdispatcher ${err.command}: ${err.message}\n`);
    return 2;
  }
  process.stderr.write(`${prefix}: ${oneLine(err)}\n`);
  if (debug() && err instanceof Error && err.stack !== undefined) process.stderr.write(`${err.stack}\n`);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(usage());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    if (rest[0] !== undefined && commands[rest[0]] !== undefined) return (await commands[rest[0]]!.load()).run(['--help']);
    process.stdout.write(usage());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    const hint = closest(name, COMMAND_NAMES);
    process.stderr.write(`webdispatcher: unknown command ${JSON.stringify(name)}${hint === undefined ? '' : ` (did you mean ${hint}?)`}; webdispatcher --help lists them\n`);
    return 2;
  }
  // Errors a long-running command (demo, start) meets outside its awaited path end it the same way.
  const crash = (err: unknown) => process.exit(report(`webdispatcher ${name}`, err));
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  try {
    return await (await command.load()).run(rest);
  } catch (err) {
    return report(`webdispatcher ${name}`, err);
  }
}

main(process.argv.slice(2)).then(
  // Commands return once they have closed what they opened; exiting here also ends what a
  // library may keep alive (pool timers, idle sockets) instead of hanging on shutdown.
  (code) => process.exit(code),
  (err: unknown) => process.exit(report('webdispatcher', err)),
);
