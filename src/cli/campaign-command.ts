import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { closest } from '../core/did-you-mean.ts';
import { oneLine, parseCommand, UsageError, wantsHelp } from './command-args.ts';
import { OPS_OPTIONS, OPS_USAGE, resolveOps } from './ops-target.ts';
import { progressBar, progressLine, type ProgressView } from './campaign-progress.ts';

const CREATE = `  create NAME  (--all | --reseller N | --class N | --range FROM-TO | --ids 1,2,3 | --ids-file FILE)
               [--batch N] [--concurrency N] [--rate PER_MINUTE] [--window HH:MM-HH:MM]
               [--budget LAST:MAX_FAILURES] [--from source|target]
               [--copy sim | --copy command --command PATH [--arg A]... | --copy http --url URL]
               [--timeout-ms N]
`;
const ACTION = '  start|pause|resume|abort|rollback NAME\n';
const STATUS = '  status NAME [--watch]    (--watch: follow until the campaign stops; a progress bar on a terminal)\n';
const LIST = '  list\n';

const USAGE = `usage: webdispatcher campaign <command> [NAME] [options]      (campaign <command> --help: one command)
${CREATE}${ACTION}${STATUS}${LIST}${OPS_USAGE}  An ids file holds i_customer ids separated by newlines, commas or spaces (# starts a comment).
`;

const ACTIONS = new Set(['start', 'pause', 'resume', 'abort', 'rollback']);

const CREATE_OPTIONS = {
  all: { type: 'boolean' }, reseller: { type: 'string' }, class: { type: 'string' }, range: { type: 'string' }, ids: { type: 'string' }, 'ids-file': { type: 'string' },
  batch: { type: 'string' }, concurrency: { type: 'string' }, rate: { type: 'string' }, window: { type: 'string' }, budget: { type: 'string' }, from: { type: 'string' },
  copy: { type: 'string' }, command: { type: 'string' }, arg: { type: 'string', multiple: true }, url: { type: 'string' }, 'timeout-ms': { type: 'string' },
} as const;

/** Each subcommand's own usage and options. */
function subcommand(command: string): { usage: string; options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> } | undefined {
  const head = (lines: string) => `usage: webdispatcher campaign ${lines.trimStart()}${OPS_USAGE}`;
  if (command === 'create') return { usage: head(CREATE), options: { ...OPS_OPTIONS, ...CREATE_OPTIONS } };
  if (ACTIONS.has(command)) return { usage: head(`  ${command} NAME\n`), options: { ...OPS_OPTIONS } };
  if (command === 'status') return { usage: head(STATUS), options: { ...OPS_OPTIONS, watch: { type: 'boolean' } } };
  if (command === 'list') return { usage: head(LIST), options: { ...OPS_OPTIONS } };
  return undefined;
}

const COMMANDS = ['create', ...ACTIONS, 'status', 'list'];

function fail(command: string, message: string): never {
  throw new UsageError(command, message);
}

/** The ids of an ids file (newlines, commas or spaces; `#` comments); throws naming a bad entry. */
export function parseIdsFile(text: string): number[] {
  const ids: number[] = [];
  for (const [n, line] of text.split('\n').entries()) {
    for (const word of line.replace(/#.*/, '').split(/[\s,]+/)) {
      if (word === '') continue;
      if (!/^[1-9]\d{0,14}$/.test(word)) throw new Error(`line ${n + 1}: ${JSON.stringify(word)} is not an i_customer`);
      ids.push(Number(word));
    }
  }
  return ids;
}

type Values = Record<string, string | boolean | string[] | undefined>;

function createBody(name: string, v: Values): Record<string, unknown> {
  const body: Record<string, unknown> = { name };
  const int = (key: string) => {
    const raw = v[key];
    if (typeof raw !== 'string') return undefined;
    if (!/^\d+$/.test(raw)) throw new Error(`--${key} must be a whole number, got ${JSON.stringify(raw)}`);
    return Number(raw);
  };
  if (typeof v['ids-file'] === 'string') body.customers = parseIdsFile(readFileSync(v['ids-file'], 'utf8'));
  else if (typeof v.ids === 'string') body.customers = parseIdsFile(v.ids);
  else {
    const select: Record<string, unknown> = {};
    if (v.all === true) select.all = true;
    if (v.reseller !== undefined) select.reseller = int('reseller');
    if (v.class !== undefined) select.customerClass = int('class');
    if (typeof v.range === 'string') {
      const m = /^(\d+)-(\d+)$/.exec(v.range);
      if (m === null) throw new Error(`--range must be FROM-TO, got ${JSON.stringify(v.range)}`);
      select.idRange = { from: Number(m[1]), to: Number(m[2]) };
    }
    if (Object.keys(select).length === 0) throw new Error('say which customers: --all, --reseller, --class, --range, --ids or --ids-file');
    body.select = select;
  }
  if (v.batch !== undefined) body.batchSize = int('batch');
  if (v.concurrency !== undefined) body.concurrency = int('concurrency');
  if (typeof v.rate === 'string') body.ratePerMinute = Number(v.rate);
  if (typeof v.window === 'string') body.window = v.window;
  if (typeof v.from === 'string') body.from = v.from;
  if (typeof v.budget === 'string') {
    const m = /^(\d+):(\d+)$/.exec(v.budget);
    if (m === null) throw new Error(`--budget must be LAST:MAX_FAILURES, got ${JSON.stringify(v.budget)}`);
    body.failureBudget = { last: Number(m[1]), maxFailures: Number(m[2]) };
  }
  if (typeof v.copy === 'string') {
    const copy: Record<string, unknown> = { type: v.copy };
    if (typeof v.command === 'string') copy.command = v.command;
    if (Array.isArray(v.arg)) copy.args = v.arg;
    if (typeof v.url === 'string') copy.url = v.url;
    const timeout = int('timeout-ms');
    if (timeout !== undefined) copy.timeoutMs = timeout;
    body.copy = copy;
  }
  return body;
}

/** `webdispatcher campaign …`: a thin client of the ops API's `/v1/campaigns`. */
export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) return fail('campaign', `a command is required (${COMMANDS.join(', ')})`);
  if (command.startsWith('-') && wantsHelp([command])) { process.stdout.write(USAGE); return 0; }
  const sub = subcommand(command);
  if (sub === undefined) {
    const hint = closest(command, COMMANDS);
    return fail('campaign', `unknown command ${JSON.stringify(command)}${hint === undefined ? '' : ` (did you mean ${hint}?)`}; known: ${COMMANDS.join(', ')}`);
  }
  const where = `campaign ${command}`;
  const args = parseCommand({ name: where, usage: sub.usage, options: sub.options, maxPositionals: command === 'list' ? 0 : 1, allowEmpty: ['arg'] }, rest);
  if (args === undefined) return 0;
  const values = args.values as Values;
  const name = args.positionals[0];
  if (command !== 'list' && name === undefined) return fail(where, `${command} needs a campaign NAME`);
  let body: Record<string, unknown> | undefined;
  // A mistake in what to create is reported before the operator API is looked for.
  if (command === 'create') {
    try {
      body = createBody(name!, values);
    } catch (err) {
      return fail(where, (err as Error).message);
    }
  }
  const { opsUrl, opsToken: token } = resolveOps(where, values as Record<string, string | undefined>);
  const api = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(new URL(path, opsUrl), {
      method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, signal: AbortSignal.timeout(60_000),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    try {
      return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
    } catch {
      return { status: res.status, json: { body: text } };
    }
  };
  const refused = (r: { status: number; json: Record<string, unknown> }) => {
    process.stderr.write(`webdispatcher ${where}: HTTP ${r.status}: ${String(r.json.faultstring ?? JSON.stringify(r.json))}\n`);
    return 1;
  };
  try {
    if (command === 'list') {
      const r = await api('GET', '/v1/campaigns');
      if (r.status !== 200) return refused(r);
      for (const c of (r.json.campaigns ?? []) as ProgressView[]) process.stdout.write(`${progressLine(c)}\n`);
      return 0;
    }
    const path = `/v1/campaigns/${encodeURIComponent(name!)}`;
    if (command === 'create') {
      const r = await api('POST', '/v1/campaigns', body);
      if (r.status !== 201) return refused(r);
      process.stdout.write(`${progressLine(r.json as unknown as ProgressView)}\n`);
      return 0;
    }
    if (ACTIONS.has(command)) {
      const r = await api('POST', `${path}/${command}`, {});
      if (r.status !== 200) return refused(r);
      process.stdout.write(`${progressLine(r.json as unknown as ProgressView)}\n`);
      return 0;
    }
    const tty = process.stdout.isTTY === true;
    for (let last = ''; ;) {
      const r = await api('GET', path);
      if (r.status !== 200) return refused(r);
      const v = r.json as unknown as ProgressView;
      const line = tty ? progressBar(v) : progressLine(v);
      if (tty) process.stdout.write(`\r\x1b[2K${line}`);
      else if (line !== last) process.stdout.write(`${line}\n`);
      last = line;
      if (values.watch !== true || v.state !== 'running') {
        if (tty) process.stdout.write('\n');
        const failures = (r.json.failures ?? []) as Array<{ i_customer: number; step: string; reason: string }>;
        for (const f of failures) process.stdout.write(`  failed ${f.i_customer} at ${f.step}: ${f.reason}\n`);
        return 0;
      }
      await sleep(tty ? 500 : 2000);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    process.stderr.write(`webdispatcher ${where}: cannot reach ${opsUrl}: ${oneLine(err)}\n`);
    return 1;
  }
}
