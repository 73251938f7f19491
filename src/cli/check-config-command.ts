import { loadConfigFile, ConfigError } from '../config/load-config.ts';

/** `webdispatcher check-config FILE`: validates and prints every problem at once. */
export async function run(argv: string[]): Promise<number> {
  const file = argv.find((a) => !a.startsWith('-')) ?? (argv[0] === '--config' ? argv[1] : undefined);
  if (file === undefined) {
    process.stderr.write('usage: webdispatcher check-config <file.yaml>\n');
    return 2;
  }
  try {
    loadConfigFile(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  process.stdout.write(`${file}: configuration is valid\n`);
  return 0;
}
