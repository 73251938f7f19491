/**
 * `webdispatcher <command> [options]`. Each command lives in its own file and exports
 * `run(argv): Promise<number>` (the exit code); this file only picks one.
 */
type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  demo: { summary: 'start a seeded source + target simulator and the dispatcher', load: () => import('./demo-command.ts') },
  start: { summary: 'start the dispatcher: webdispatcher start --config <file.yaml>', load: () => import('./start-command.ts') },
  'check-config': { summary: 'validate a config file and list every problem', load: () => import('./check-config-command.ts') },
  migrate: { summary: 'move a customer: begin → copy (simulator transfer) → commit', load: () => import('./migrate-command.ts') },
  campaign: { summary: 'migration campaigns: create|start|pause|resume|abort|rollback|status|list', load: () => import('./campaign-command.ts') },
  sim: { summary: 'start one simulated PortaBilling system', load: () => import('./sim-command.ts') },
  locate: { summary: 'show where a customer or account lives (operator API)', load: () => import('./locate-command.ts') },
  drift: { summary: 'configuration drift between the systems (operator API): exit 1 drift, 0 none, 2 could not compare', load: () => import('./drift-command.ts') },
  directory: { summary: 'directory import FILE: bulk-load locations (operator API or --sqlite)', load: () => import('./directory-command.ts') },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return `usage: webdispatcher <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`webdispatcher: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  // Commands return once they have closed what they opened; exiting here also ends what a
  // library may keep alive (pool timers, idle sockets) instead of hanging on shutdown.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`webdispatcher: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
