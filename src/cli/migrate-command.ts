import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { SystemName } from '../core/api-call.ts';
import type { CopyStep } from '../migration/copy-step.ts';
import { CommandCopyStep } from '../migration/command-copy-step.ts';
import { SimCopyStep } from '../migration/sim-copy-step.ts';
import { httpUrl, parseCommand, positiveInt, UsageError } from './command-args.ts';
import { OPS_OPTIONS, OPS_USAGE, resolveOps } from './ops-target.ts';
import { getJson, postJson as post } from './post-json.ts';

const USAGE = `usage: webdispatcher migrate --customer N [--to target|source]
         [--copy-command PATH [--copy-arg A]... [--copy-timeout-ms N] | --source-admin URL --target-admin URL]
         [--ops-url URL --ops-token T | --demo PORT]
  Moves one customer: asks the dispatcher where it is (nothing is held when it is on the
  destination already: exit 0), then begin (the dispatcher holds the customer's calls) → copy →
  commit (the customer's calls are released on the destination); a failed copy aborts (released
  on the system it was on). The copy is the operator's migration tool with --copy-command, run
  without a shell the way campaigns run it: {i_customer}, {from}, {to} in an argument are
  replaced (without {i_customer} the id is appended), $WD_I_CUSTOMER, $WD_FROM, $WD_TO are set,
  exit code 0 means copied. Without it, the simulators' transfer (--source-admin/--target-admin,
  a demo's by default).
  --copy-timeout-ms N   the copy's time limit (default 300000); then it is killed and the move aborted
${OPS_USAGE}  Exit status: 0 moved (or already there), 1 refused or failed, 2 usage.
`;

/** Whether `command` names a program this user can run (a path, or a name found on $PATH). */
function runnable(command: string): boolean {
  const can = (path: string) => { try { accessSync(path, constants.X_OK); return true; } catch { return false; } };
  if (command.includes('/')) return can(command);
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && can(join(dir, command)));
}

/**
 * `webdispatcher migrate --customer N [--to target|source]`: a controlled cutover through the
 * operator API, checked first against where the customer is, with the operator's copy step or
 * the simulators' transfer. Addresses default to those of the one running `webdispatcher demo`.
 */
export async function run(argv: string[]): Promise<number> {
  const cmd = 'migrate';
  const args = parseCommand({
    name: cmd, usage: USAGE, allowEmpty: ['copy-arg'],
    options: {
      customer: { type: 'string' }, to: { type: 'string', default: 'target' },
      'copy-command': { type: 'string' }, 'copy-arg': { type: 'string', multiple: true }, 'copy-timeout-ms': { type: 'string' },
      'source-admin': { type: 'string' }, 'target-admin': { type: 'string' }, ...OPS_OPTIONS,
    },
  }, argv);
  if (args === undefined) return 0;
  const { values } = args;
  if (values.customer === undefined) throw new UsageError(cmd, 'missing --customer N');
  const iCustomer = positiveInt(cmd, 'customer', values.customer);
  const to = values.to;
  if (to !== 'target' && to !== 'source') throw new UsageError(cmd, `--to must be target or source, got ${JSON.stringify(to)}`);
  const from: SystemName = to === 'target' ? 'source' : 'target';
  const command = values['copy-command'];
  if (command === undefined && (values['copy-arg'] !== undefined || values['copy-timeout-ms'] !== undefined)) throw new UsageError(cmd, '--copy-arg and --copy-timeout-ms go with --copy-command');
  if (command !== undefined && (values['source-admin'] !== undefined || values['target-admin'] !== undefined)) throw new UsageError(cmd, '--copy-command copies with the operator\'s tool; --source-admin/--target-admin are for the simulators\' transfer: give one or the other');
  const ops = resolveOps(cmd, values);

  // Everything the copy needs is checked before anything is held.
  let step: CopyStep;
  if (command !== undefined) {
    const timeoutMs = values['copy-timeout-ms'] === undefined ? 300_000 : positiveInt(cmd, 'copy-timeout-ms', values['copy-timeout-ms']);
    if (!runnable(command)) throw new UsageError(cmd, `--copy-command ${JSON.stringify(command)} is not a program this user can run`);
    step = new CommandCopyStep(command, values['copy-arg'] ?? [], timeoutMs);
  } else {
    const sourceAdmin = values['source-admin'] ?? ops.demo?.sourceAdmin;
    const targetAdmin = values['target-admin'] ?? ops.demo?.targetAdmin;
    if (sourceAdmin === undefined || targetAdmin === undefined) throw new UsageError(cmd, 'say how to copy: --copy-command PATH (the operator\'s migration tool), or --source-admin and --target-admin (simulator admin URLs; a demo\'s by default)');
    step = new SimCopyStep({ source: httpUrl(cmd, 'source-admin', sourceAdmin), target: httpUrl(cmd, 'target-admin', targetAdmin) });
  }

  const auth = { authorization: `Bearer ${ops.opsToken}` };
  const say = (stage: string, detail: unknown) => process.stdout.write(`${stage.padEnd(9)} ${JSON.stringify(detail)}\n`);
  const fail = (stage: string, message: string) => { process.stderr.write(`webdispatcher migrate: ${stage}: ${message}\n`); return 1; };
  const started = performance.now();

  const where = await getJson(`${ops.opsUrl}/v1/locations/customers/${iCustomer}`, auth);
  if (where.status !== 200) return fail('where', `HTTP ${where.status}: ${String(where.json.faultstring ?? JSON.stringify(where.json))}`);
  say('where', where.json);
  if (where.json.state !== 'active') return fail('where', `customer ${iCustomer} is ${String(where.json.state)} already (a cutover or a campaign has it): commit or abort that first`);
  if (where.json.system === to) {
    say('done', { i_customer: iCustomer, system: to, already: true, note: `already on the ${to}; nothing held, nothing copied` });
    return 0;
  }

  const begin = await post(`${ops.opsUrl}/v1/migrations/${iCustomer}/begin`, {}, auth);
  say('begin', begin.json);
  if (begin.status !== 200) return 1;
  try {
    await step.copy({ campaign: 'migrate', iCustomer, from, to });
    say('copy', { i_customer: iCustomer, from, to, step: step.type });
  } catch (err) {
    say('copy', { i_customer: iCustomer, from, to, step: step.type, error: (err as Error).message });
    const abort = await post(`${ops.opsUrl}/v1/migrations/${iCustomer}/abort`, {}, auth);
    say('abort', abort.json);
    return fail('copy', `${(err as Error).message}; the move was ${abort.status === 200 ? `aborted (calls released to the ${from})` : `not aborted (HTTP ${abort.status}): abort it with POST /v1/migrations/${iCustomer}/abort`}`);
  }
  let commit;
  try {
    commit = await post(`${ops.opsUrl}/v1/migrations/${iCustomer}/commit`, { system: to }, auth);
  } catch (err) {
    return fail('commit', `${(err as Error).message}; customer ${iCustomer} is copied and still held: commit it with POST /v1/migrations/${iCustomer}/commit {"system":"${to}"}`);
  }
  say('commit', commit.json);
  if (commit.status !== 200) return fail('commit', `HTTP ${commit.status}; customer ${iCustomer} is copied and still held: commit it with POST /v1/migrations/${iCustomer}/commit {"system":"${to}"}`);
  say('done', { i_customer: iCustomer, system: to, ms: Math.round(performance.now() - started) });
  return 0;
}
