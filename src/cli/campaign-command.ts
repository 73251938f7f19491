import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readDemoState } from '../app/demo-state.ts';
import { progressBar, progressLine, type ProgressView } from './campaign-progress.ts';

const USAGE = `usage: webdispatcher campaign <command> [NAME] [options]
  create NAME  (--all | --reseller N | --class N | --range FROM-TO | --ids 1,2,3 | --ids-file FILE)
               [--batch N] [--concurrency N] [--rate PER_MINUTE] [--window HH:MM-HH:MM]
               [--budget LAST:MAX_FAILURES] [--from source|target]
               [--copy sim | --copy command --command PATH [--arg A]... | --copy http --url URL]
               [--timeout-ms N]
  start|pause|resume|abort|rollback NAME
  status NAME [--watch]    (--watch: follow until the campaign stops; a progress bar on a terminal)
  list
  --ops-url and --token default to $WEBDISPATCHER_OPS_URL / $WEBDISPATCHER_OPS_TOKEN, then a running demo.
  An ids file holds i_customer ids separated by newlines, commas or spaces (# starts a comment).
`;

const ACTIONS = new Set(['start', 'pause', 'resume', 'abort', 'rollback']);

function fail(message: string): number {
  process.stderr.write(`webdispatcher campaign: ${message}\n${USAGE}`);
  return 2;
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
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        'ops-url': { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean', short: 'h' },
        all: { type: 'boolean' }, reseller: { type: 'string' }, class: { type: 'string' }, range: { type: 'string' }, ids: { type: 'string' }, 'ids-file': { type: 'string' },
        batch: { type: 'string' }, concurrency: { type: 'string' }, rate: { type: 'string' }, window: { type: 'string' }, budget: { type: 'string' }, from: { type: 'string' },
        copy: { type: 'string' }, command: { type: 'string' }, arg: { type: 'string', multiple: true }, url: { type: 'string' }, 'timeout-ms': { type: 'string' },
        watch: { type: 'boolean' },
      },
    });
  } catch (err) {
    return fail((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true) { process.stdout.write(USAGE); return 0; }
  const [command, name, ...extra] = positionals;
  if (command === undefined) return fail('a command is required');
  if (extra.length > 0) return fail(`unexpected argument(s): ${extra.join(' ')}`);
  const demo = readDemoState();
  const opsUrl = values['ops-url'] ?? process.env.WEBDISPATCHER_OPS_URL ?? demo?.opsUrl;
  const token = values.token ?? process.env.WEBDISPATCHER_OPS_TOKEN ?? demo?.opsToken;
  if (opsUrl === undefined || token === undefined) return fail('no --ops-url/--token (nor $WEBDISPATCHER_OPS_URL/$WEBDISPATCHER_OPS_TOKEN, nor a running demo)');
  const needsName = command !== 'list';
  if (needsName && name === undefined) return fail(`${command} needs a campaign NAME`);
  if (!needsName && name !== undefined) return fail('list takes no NAME');
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
    process.stderr.write(`webdispatcher campaign: HTTP ${r.status}: ${String(r.json.faultstring ?? JSON.stringify(r.json))}\n`);
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
      let body;
      try {
        body = createBody(name!, values);
      } catch (err) {
        return fail((err as Error).message);
      }
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
    if (command !== 'status') return fail(`unknown command ${JSON.stringify(command)}`);
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
    process.stderr.write(`webdispatcher campaign: cannot reach ${opsUrl}: ${(err as Error).message}\n`);
    return 1;
  }
}
