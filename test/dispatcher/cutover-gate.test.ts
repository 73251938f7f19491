import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStack, call, login, type Stack } from '../helpers/stack.ts';
import { writeLog } from './support.ts';
import { MemoryDirectory } from '../../src/directory/memory-directory.ts';
import type { CustomerLocation } from '../../src/directory/location-directory.ts';
import { DEMO_ADMIN, DEMO_ACCOUNT, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';

const ops = { authorization: 'Bearer demo-ops-token', 'content-type': 'application/json' };
const ID = DEMO_CUSTOMER.iCustomer;

/**
 * A directory whose next read of one customer answers what it read, but only once the test lets
 * it: a call can be made to locate its customer just before a cutover begins and reach the
 * cutover gate just after.
 */
class PausingDirectory extends MemoryDirectory {
  #pause: { iCustomer: number; reached: () => void; resume: Promise<void> } | undefined;

  /** Resolves when the read has happened; the read answers after `resume` resolves. */
  pauseNextRead(iCustomer: number, resume: Promise<void>): Promise<void> {
    return new Promise((reached) => {
      this.#pause = { iCustomer, reached, resume };
    });
  }

  override async getCustomer(iCustomer: number): Promise<CustomerLocation | undefined> {
    const found = await super.getCustomer(iCustomer);
    const loc = found === undefined ? undefined : { ...found };
    const pause = this.#pause;
    if (pause !== undefined && pause.iCustomer === iCustomer) {
      this.#pause = undefined;
      pause.reached();
      await pause.resume;
    }
    return loc;
  }
}

async function stackWith(t: Parameters<typeof startStack>[0], directory: PausingDirectory): Promise<Stack> {
  // No location cache or routing index in front of the directory: every call reads it.
  return startStack(t, { config: { directory: { cacheSize: 0, routingIndex: false }, cutover: { holdTimeoutMs: 5000 } }, deps: { directory } });
}

/** Waits (bounded) until the dispatcher holds a call, or the call has been answered. */
async function heldOrAnswered(stack: Stack, answered: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !answered() && stack.dispatcher.dispatcher.holds.heldCalls() === 0; i++) await sleep(10);
}

function notesApplied(log: Awaited<ReturnType<typeof writeLog>>, tag: string): number {
  return log.applied.filter((w) => w.fields.notes === tag).length;
}

async function begin(stack: Stack): Promise<void> {
  const res = await fetch(`${stack.url('ops')}/v1/migrations/${ID}/begin`, { method: 'POST', headers: ops });
  assert.equal(res.status, 200, await res.text());
}

/**
 * A write for customer ID that reads "active on the source" from the directory, then waits while
 * the cutover begins, so it reaches the cutover gate after the move started.
 */
async function writeCaughtByBegin(t: Parameters<typeof startStack>[0], tag: string) {
  const directory = new PausingDirectory({ records: [{ iCustomer: ID, system: 'source', accounts: [DEMO_ACCOUNT.iAccount] }] });
  const stack = await stackWith(t, directory);
  const token = await login(stack.url('admin'), DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  let resume!: () => void;
  const reached = directory.pauseNextRead(ID, new Promise<void>((r) => { resume = r; }));
  let answered = false;
  const writing = call(stack.url('admin'), 'Customer/update_customer', { customer_info: { i_customer: ID, notes: tag } }, token)
    .finally(() => { answered = true; });
  await reached;
  await begin(stack);
  resume();
  await heldOrAnswered(stack, () => answered);
  assert.equal(answered, false, 'the write was not answered while its customer was moving');
  return { stack, writing };
}

test('a write located just before its customer\'s cutover began is held at the gate and runs where the customer lives after the commit', async (t) => {
  const { stack, writing } = await writeCaughtByBegin(t, 'gate-commit');
  assert.equal(stack.dispatcher.dispatcher.holds.heldCalls(), 1, 'the write waits for the move to end');
  assert.equal(notesApplied(await writeLog(stack.source, ID), 'gate-commit'), 0, 'nothing reached the source during the move');

  const transfer = await fetch(`${stack.source.urls.admin}/sim/transfer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i_customer: ID, target: stack.target.urls.admin }) });
  assert.equal(transfer.status, 200, await transfer.text());
  const commit = await fetch(`${stack.url('ops')}/v1/migrations/${ID}/commit`, { method: 'POST', headers: ops, body: '{"system":"target"}' });
  assert.equal(commit.status, 200, await commit.text());

  const reply = await writing;
  assert.equal(reply.status, 200, JSON.stringify(reply.json));
  assert.equal(notesApplied(await writeLog(stack.target, ID), 'gate-commit'), 1, 'the held write ran on the target, where the customer lives now');
  assert.equal(notesApplied(await writeLog(stack.source, ID), 'gate-commit'), 0, 'and never on the source');
  assert.equal(stack.dispatcher.dispatcher.holds.heldCalls(), 0);
});

test('a write held at the gate runs on the old system when the cutover is aborted', async (t) => {
  const { stack, writing } = await writeCaughtByBegin(t, 'gate-abort');

  const abort = await fetch(`${stack.url('ops')}/v1/migrations/${ID}/abort`, { method: 'POST', headers: ops });
  assert.equal(abort.status, 200, await abort.text());
  const reply = await writing;
  assert.equal(reply.status, 200, JSON.stringify(reply.json));
  assert.equal(notesApplied(await writeLog(stack.source, ID), 'gate-abort'), 1, 'the held write ran on the source, where the customer stayed');
});
