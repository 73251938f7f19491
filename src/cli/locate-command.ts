import { parseArgs } from 'node:util';
import { OWNED_KIND_NAMES, isOwnedKind } from '../directory/owned-record.ts';

const USAGE = `usage: webdispatcher locate --customer N | --account N | --owned KIND:ID [--ops-url URL] [--token T]
  Asks the dispatcher's operator API where a customer or account lives (system, state, and how
  it was resolved), or who owns an owned record and where (--owned invoice:5; kinds:
  ${OWNED_KIND_NAMES.join(', ')}). --ops-url and --token default to $WEBDISPATCHER_OPS_URL and
  $WEBDISPATCHER_OPS_TOKEN.
`;

/** The operator API path for the one record asked about, or the problems with the options. */
function targetPath(values: { customer?: string; account?: string; owned?: string }): string | string[] {
  const given = [values.customer, values.account, values.owned].filter((v) => v !== undefined).length;
  if (given !== 1) return ['give exactly one of --customer N, --account N or --owned KIND:ID'];
  const id = /^[1-9][0-9]{0,14}$/;
  if (values.owned !== undefined) {
    const at = values.owned.indexOf(':');
    const kind = at === -1 ? values.owned : values.owned.slice(0, at);
    const n = at === -1 ? '' : values.owned.slice(at + 1);
    const problems: string[] = [];
    if (!isOwnedKind(kind)) problems.push(`--owned ${JSON.stringify(values.owned)}: kind ${JSON.stringify(kind)} is not one of ${OWNED_KIND_NAMES.join(', ')} (write KIND:ID, e.g. invoice:5)`);
    if (!id.test(n)) problems.push(`--owned ${JSON.stringify(values.owned)}: id ${JSON.stringify(n)} is not a positive integer (write KIND:ID, e.g. invoice:5)`);
    return problems.length > 0 ? problems : `/v1/locations/owned/${kind}/${n}`;
  }
  const [what, n] = values.customer !== undefined ? ['customer', values.customer] : ['account', values.account!];
  if (!id.test(n)) return [`${what} id ${JSON.stringify(n)} is not a positive integer`];
  return `/v1/locations/${what}s/${n}`;
}

/** `webdispatcher locate`: prints the location JSON; exit 0 found, 1 refused/failed, 2 usage. */
export async function run(argv: string[]): Promise<number> {
  let values: { customer?: string; account?: string; owned?: string; 'ops-url'?: string; token?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { customer: { type: 'string' }, account: { type: 'string' }, owned: { type: 'string' }, 'ops-url': { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    process.stderr.write(`webdispatcher locate: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help === true) { process.stdout.write(USAGE); return 0; }
  const opsUrl = values['ops-url'] ?? process.env.WEBDISPATCHER_OPS_URL;
  const token = values.token ?? process.env.WEBDISPATCHER_OPS_TOKEN;
  const path = targetPath(values);
  const problems: string[] = typeof path === 'string' ? [] : [...path];
  if (opsUrl === undefined) problems.push('no --ops-url (or $WEBDISPATCHER_OPS_URL)');
  if (token === undefined) problems.push('no --token (or $WEBDISPATCHER_OPS_TOKEN)');
  if (problems.length > 0) {
    process.stderr.write(problems.map((p) => `webdispatcher locate: ${p}\n`).join('') + USAGE);
    return 2;
  }
  const url = new URL(path as string, opsUrl);
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
