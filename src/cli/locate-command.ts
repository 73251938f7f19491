import { OWNED_KIND_NAMES, isOwnedKind } from '../directory/owned-record.ts';
import { oneLine, parseCommand, UsageError } from './command-args.ts';
import { OPS_OPTIONS, OPS_USAGE, resolveOps } from './ops-target.ts';

const USAGE = `usage: webdispatcher locate --customer N | --account N | --owned KIND:ID [--ops-url URL --ops-token T | --demo PORT]
  Asks the dispatcher's operator API where a customer or account lives (system, state, and how
  it was resolved), or who owns an owned record and where (--owned invoice:5; kinds:
  ${OWNED_KIND_NAMES.join(', ')}).
${OPS_USAGE}  Exit status: 0 found, 1 refused or failed, 2 usage.
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
  const args = parseCommand({ name: 'locate', usage: USAGE, options: { customer: { type: 'string' }, account: { type: 'string' }, owned: { type: 'string' }, ...OPS_OPTIONS } }, argv);
  if (args === undefined) return 0;
  const { values } = args;
  const path = targetPath(values);
  if (typeof path !== 'string') throw new UsageError('locate', path.join('; '));
  const { opsUrl, opsToken: token } = resolveOps('locate', values);
  const url = new URL(path, opsUrl);
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    process.stderr.write(`webdispatcher locate: cannot reach ${url.origin}: ${oneLine(err)}\n`);
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
