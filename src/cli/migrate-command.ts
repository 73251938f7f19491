import { parseArgs } from 'node:util';
import { readDemoState } from '../app/demo-state.ts';
import { postJson as post } from './post-json.ts';


/**
 * `webdispatcher migrate --customer N [--to target|source]`: a controlled cutover — begin (the
 * dispatcher holds the customer's calls), copy the data with the simulator's transfer (the
 * operator's migration tool in production), then commit; abort when the copy fails. Addresses
 * default to those of a running `webdispatcher demo`.
 */
export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        customer: { type: 'string' }, to: { type: 'string', default: 'target' },
        'ops-url': { type: 'string' }, token: { type: 'string' },
        'source-admin': { type: 'string' }, 'target-admin': { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`webdispatcher migrate: ${(err as Error).message}\n`);
    return 2;
  }
  const demo = readDemoState();
  const iCustomer = Number(values.customer);
  const to = values.to;
  const opsUrl = values['ops-url'] ?? demo?.opsUrl;
  const token = values.token ?? demo?.opsToken;
  const sourceAdmin = values['source-admin'] ?? demo?.sourceAdmin;
  const targetAdmin = values['target-admin'] ?? demo?.targetAdmin;
  const problems: string[] = [];
  if (!Number.isSafeInteger(iCustomer) || iCustomer <= 0) problems.push(`--customer must be a positive integer, got ${JSON.stringify(values.customer)}`);
  if (to !== 'target' && to !== 'source') problems.push(`--to must be target or source, got ${JSON.stringify(to)}`);
  if (!opsUrl || !token) problems.push('--ops-url and --token are required (no running demo found)');
  if (!sourceAdmin || !targetAdmin) problems.push('--source-admin and --target-admin (simulator admin URLs) are required (no running demo found)');
  if (problems.length > 0) {
    process.stderr.write(`webdispatcher migrate:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  const auth = { authorization: `Bearer ${token!}` };
  const say = (step: string, detail: unknown) => process.stdout.write(`${step.padEnd(9)} ${JSON.stringify(detail)}\n`);
  const started = performance.now();
  const begin = await post(`${opsUrl}/v1/migrations/${iCustomer}/begin`, {}, auth);
  if (begin.status !== 200) {
    say('begin', begin.json);
    return 1;
  }
  say('begin', begin.json);
  const [from, dest] = to === 'target' ? [sourceAdmin!, targetAdmin!] : [targetAdmin!, sourceAdmin!];
  const transfer = await post(`${from}/sim/transfer`, { i_customer: iCustomer, target: dest });
  if (transfer.status !== 200) {
    say('transfer', transfer.json);
    const abort = await post(`${opsUrl}/v1/migrations/${iCustomer}/abort`, {}, auth);
    say('abort', abort.json);
    return 1;
  }
  say('transfer', transfer.json);
  const commit = await post(`${opsUrl}/v1/migrations/${iCustomer}/commit`, { system: to }, auth);
  say('commit', commit.json);
  if (commit.status !== 200) return 1;
  say('done', { i_customer: iCustomer, system: to, ms: Math.round(performance.now() - started) });
  return 0;
}
