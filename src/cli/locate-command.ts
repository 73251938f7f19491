import { parseArgs } from 'node:util';

const USAGE = `usage: webdispatcher locate --customer N | --account N [--ops-url URL] [--token T]
  Asks the dispatcher's operator API where a customer or account lives (system, state, and how
  it was resolved). --ops-url and --token default to $WEBDISPATCHER_OPS_URL and $WEBDISPATCHER_OPS_TOKEN.
`;

/** `webdispatcher locate`: prints the location JSON; exit 0 found, 1 refused/failed, 2 usage. */
export async function run(argv: string[]): Promise<number> {
  let values: { customer?: string; account?: string; 'ops-url'?: string; token?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { customer: { type: 'string' }, account: { type: 'string' }, 'ops-url': { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    process.stderr.write(`webdispatcher locate: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help === true) { process.stdout.write(USAGE); return 0; }
  const opsUrl = values['ops-url'] ?? process.env.WEBDISPATCHER_OPS_URL;
  const token = values.token ?? process.env.WEBDISPATCHER_OPS_TOKEN;
  const which = values.customer !== undefined ? ['customers', values.customer] : values.account !== undefined ? ['accounts', values.account] : undefined;
  const problems: string[] = [];
  if (which === undefined || (values.customer !== undefined && values.account !== undefined)) problems.push('give exactly one of --customer N or --account N');
  if (which !== undefined && !/^[1-9][0-9]{0,14}$/.test(which[1]!)) problems.push(`${which[0] === 'customers' ? 'customer' : 'account'} id ${JSON.stringify(which[1])} is not a positive integer`);
  if (opsUrl === undefined) problems.push('no --ops-url (or $WEBDISPATCHER_OPS_URL)');
  if (token === undefined) problems.push('no --token (or $WEBDISPATCHER_OPS_TOKEN)');
  if (problems.length > 0) {
    process.stderr.write(problems.map((p) => `webdispatcher locate: ${p}\n`).join('') + USAGE);
    return 2;
  }
  const url = new URL(`/v1/locations/${which![0]}/${which![1]}`, opsUrl);
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token!}` }, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    process.stderr.write(`webdispatcher locate: cannot reach ${url.origin}: ${(err as Error).message}\n`);
    return 1;
  }
  const text = await res.text();
  if (!res.ok) {
    process.stderr.write(`webdispatcher locate: HTTP ${res.status}: ${text}\n`);
    return 1;
  }
  process.stdout.write(`${text}\n`);
  return 0;
}
