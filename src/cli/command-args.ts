import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closest } from '../core/did-you-mean.ts';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * A mistake in how a command was called: `main.ts` prints it as one line,
 * `webdispatcher <command>: <message>`, and exits 2 (no usage dump, no stack trace).
 */
export class UsageError extends Error {
  readonly command: string;
  constructor(command: string, message: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

export interface CommandSpec<O extends ParseArgsOptionsConfig> {
  /** As the user types it after `webdispatcher`: `migrate`, `directory import`, `campaign create`. */
  name: string;
  /** Printed to stdout by `--help`/`-h`. */
  usage: string;
  options: O;
  /** How many positional arguments the command takes (default 0). */
  maxPositionals?: number;
  /** String options whose value may be empty (an argument passed on to a program, say). */
  allowEmpty?: readonly (keyof O & string)[];
}

type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** An error's message with its causes (`fetch failed: connect ECONNREFUSED …`), on one line. */
export function oneLine(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e !== undefined && e !== null; depth++) {
    const m = e instanceof Error ? e.message : String(e);
    if (m !== '' && !parts.includes(m)) parts.push(m);
    e = e instanceof Error ? e.cause : undefined;
  }
  return (parts.join(': ') || 'unknown error').replace(/\s*\n\s*/g, ' ');
}

/** `--help` or `-h` anywhere before `--`: help wins over every other mistake on the line. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** node:util's parse errors, said in one short line with a suggestion for a mistyped option. */
export function describeParseError(err: unknown, options: ParseArgsOptionsConfig): string {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const longNames = [...Object.keys(options), 'help'];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /'([^']+)'/.exec(message)?.[1] ?? '?';
    const bare = given.replace(/^-+/, '').replace(/=.*$/, '');
    const hint = given.startsWith('--') ? closest(bare, longNames) : undefined;
    return `unknown option ${given}${hint === undefined || hint === bare ? '' : ` (did you mean --${hint}?)`}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /'(?:-\w, )?(--[\w-]+)/.exec(message)?.[1] ?? 'an option';
    return /does not take an argument/.test(message) ? `option ${name} takes no value` : `option ${name} needs a value`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}`.trimEnd();
  return message.split('\n')[0]!;
}

/**
 * Parses a command's arguments. `--help`/`-h` prints the usage to stdout and returns undefined
 * (the command then exits 0); any mistake throws a UsageError of one line.
 */
export function parseCommand<const O extends ParseArgsOptionsConfig>(spec: CommandSpec<O>, argv: string[]): Parsed<O> | undefined {
  if (wantsHelp(argv)) {
    process.stdout.write(spec.usage.endsWith('\n') ? spec.usage : `${spec.usage}\n`);
    return undefined;
  }
  let parsed: Parsed<O>;
  try {
    // `help` is known, so `--help=yes` is told it takes no value rather than being unknown.
    parsed = parseArgs({ args: argv, options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }) as Parsed<O>;
  } catch (err) {
    throw new UsageError(spec.name, describeParseError(err, spec.options));
  }
  const max = spec.maxPositionals ?? 0;
  if (parsed.positionals.length > max) throw new UsageError(spec.name, `unexpected argument${parsed.positionals.length - max > 1 ? 's' : ''} ${parsed.positionals.slice(max).join(' ')}`);
  for (const [name, value] of Object.entries(parsed.values)) {
    if (spec.allowEmpty?.includes(name) === true) continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => v === '' || (typeof v === 'string' && v.trim() === ''))) throw new UsageError(spec.name, `option --${name} needs a value, got an empty one`);
  }
  return parsed;
}

/** A positive whole number option (an i_customer, a port), or a UsageError naming it. */
export function positiveInt(command: string, name: string, raw: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(raw)) throw new UsageError(command, `--${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** An http(s) URL option, or a UsageError naming it. */
export function httpUrl(command: string, name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(command, `--${name} must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(command, `--${name} must be an http(s) URL, got ${JSON.stringify(raw)}`);
  return raw.replace(/\/+$/, '');
}
