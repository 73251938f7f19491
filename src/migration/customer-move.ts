import type { SystemName } from '../core/api-call.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import type { LocationResolver } from '../core/location.ts';
import type { ServiceClient } from '../backends/service-client.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import type { CampaignSpec, CustomerEntry, CustomerStep } from './campaign.ts';
import type { CampaignStore } from './campaign-store.ts';
import type { CopyJob, CopyStep } from './copy-step.ts';
import type { Cutover } from './cutover.ts';
import type { Precheck } from './precheck.ts';
import type { CustomerSnapshot } from './customer-snapshot.ts';
import { readSnapshot, snapshotDifferences } from './customer-snapshot.ts';

/** What moving one customer of a campaign needs. */
export interface MoveContext {
  store: CampaignStore;
  cutover: Cutover;
  service: ServiceClient;
  directory: LocationDirectory;
  resolver: LocationResolver;
  precheck: Precheck;
  step: CopyStep;
  logger: Logger;
  metrics: Metrics;
  spec: CampaignSpec;
  now: () => number;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The way a customer's entry moves it: forward from → to, back to → from (rollback). */
function jobOf(ctx: MoveContext, entry: Pick<CustomerEntry, 'iCustomer'>, direction: 'forward' | 'back'): CopyJob {
  const { from, to } = ctx.spec;
  return direction === 'forward' ? { campaign: ctx.spec.name, iCustomer: entry.iCustomer, from, to } : { campaign: ctx.spec.name, iCustomer: entry.iCustomer, from: to, to: from };
}

/** The step a customer reaches when its move ends on the destination. */
const doneStep = (direction: 'forward' | 'back'): 'committed' | 'rolled-back' => (direction === 'forward' ? 'committed' : 'rolled-back');
/** The step a customer goes back to when its move is undone to be tried again. */
const retryStep = (direction: 'forward' | 'back'): CustomerStep => (direction === 'forward' ? 'pending' : 'committed');

async function timed<T>(ctx: MoveContext, step: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    ctx.metrics.observe('webdispatcher_campaign_step_seconds', 'Time per campaign step of one customer', { campaign: ctx.spec.name, step }, (performance.now() - t0) / 1000);
  }
}

async function finish(ctx: MoveContext, job: CopyJob, direction: 'forward' | 'back', outcome: 'committed' | 'rolled-back' | 'failed', step?: string, reason?: string): Promise<void> {
  const failedStep = step === undefined ? null : direction === 'back' ? `rollback ${step}` : step;
  await ctx.store.updateEntry(ctx.spec.name, job.iCustomer, { state: outcome, direction, failedStep, reason: reason ?? null }, ctx.now());
  ctx.metrics.inc('webdispatcher_campaign_customers_total', 'Campaign customers finished, by outcome and failed step', { campaign: ctx.spec.name, outcome, step: failedStep ?? '' });
  if (outcome === 'failed') ctx.logger.warn('campaign customer failed', { campaign: ctx.spec.name, iCustomer: job.iCustomer, step: failedStep, reason });
}

/** Releases a held customer to the system it leaves, undoing a copy first when one was made. */
async function abortMove(ctx: MoveContext, job: CopyJob, copied: boolean): Promise<string> {
  let note = '';
  if (copied && ctx.step.undo !== undefined) {
    try {
      await ctx.step.undo(job);
    } catch (err) {
      note = `; undoing the copy failed: ${message(err)}`;
    }
  }
  await ctx.cutover.abort(job.iCustomer);
  return note;
}

async function commitMove(ctx: MoveContext, job: CopyJob): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.cutover.commit(job.iCustomer, job.to);
      return;
    } catch (err) {
      // Data is on the destination already: aborting would send the customer's calls to a copy
      // that refuses writes. Retry; a crash here is resolved by recovery.
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/**
 * One customer through precheck → begin → copy → verify → commit (issue 12). Any failure before
 * the commit leaves the customer where it was (aborted, the copy undone) with the failed step and
 * the reason recorded. Each step is recorded before the next one starts, so a crash leaves a state
 * that `recoverCustomer` resolves.
 */
export async function moveCustomer(ctx: MoveContext, entry: CustomerEntry, direction: 'forward' | 'back'): Promise<void> {
  const job = jobOf(ctx, entry, direction);
  const name = ctx.spec.name;
  let where;
  try {
    where = await ctx.resolver.resolve({ kind: 'customer', iCustomer: job.iCustomer });
  } catch (err) {
    return finish(ctx, job, direction, 'failed', 'precheck', `cannot locate the customer: ${message(err)}`);
  }
  if (where === undefined) return finish(ctx, job, direction, 'failed', 'precheck', 'the customer is unknown to the dispatcher');
  if (where.state === 'moving') return finish(ctx, job, direction, 'failed', 'precheck', `the customer is already in a cutover (leaving ${where.system})`);
  if (where.system !== job.from) return finish(ctx, job, direction, 'failed', 'precheck', `the customer lives on ${where.system}, not on ${job.from}`);
  let missing: string[];
  try {
    missing = await timed(ctx, 'precheck', () => ctx.precheck.missing(job.iCustomer, job.from, job.to));
  } catch (err) {
    return finish(ctx, job, direction, 'failed', 'precheck', message(err));
  }
  if (missing.length > 0) return finish(ctx, job, direction, 'failed', 'precheck', `missing on ${job.to}: ${missing.join(', ')}`);
  await ctx.store.updateEntry(name, job.iCustomer, { state: 'prechecked', direction, failedStep: null, reason: null, snapshot: null }, ctx.now());

  try {
    await timed(ctx, 'begin', () => ctx.cutover.begin(job.iCustomer));
  } catch (err) {
    return finish(ctx, job, direction, 'failed', 'begin', message(err));
  }
  await ctx.store.updateEntry(name, job.iCustomer, { state: 'holding' }, ctx.now());
  let snapshot: CustomerSnapshot;
  try {
    // The customer is held and its calls drained: the source cannot change under the snapshot.
    snapshot = await readSnapshot(ctx.service, job.from, job.iCustomer);
  } catch (err) {
    const note = await abortMove(ctx, job, false);
    return finish(ctx, job, direction, 'failed', 'begin', `snapshot read on ${job.from} failed: ${message(err)}${note}`);
  }
  await ctx.store.updateEntry(name, job.iCustomer, { state: 'holding', snapshot: JSON.stringify(snapshot) }, ctx.now());

  try {
    await timed(ctx, 'copy', () => ctx.step.copy(job));
  } catch (err) {
    const note = await abortMove(ctx, job, false);
    return finish(ctx, job, direction, 'failed', 'copy', `${ctx.step.type}: ${message(err)}${note}`);
  }
  await ctx.store.updateEntry(name, job.iCustomer, { state: 'copied' }, ctx.now());

  const diffs = await timed(ctx, 'verify', () => verify(ctx, job, snapshot));
  if (diffs.length > 0) {
    const note = await abortMove(ctx, job, true);
    return finish(ctx, job, direction, 'failed', 'verify', `the copy on ${job.to} differs: ${diffs.join('; ')}${note}`);
  }
  await ctx.store.updateEntry(name, job.iCustomer, { state: 'verified' }, ctx.now());
  await timed(ctx, 'commit', () => commitMove(ctx, job));
  await finish(ctx, job, direction, doneStep(direction));
}

async function verify(ctx: MoveContext, job: CopyJob, snapshot: CustomerSnapshot): Promise<string[]> {
  try {
    return snapshotDifferences(snapshot, await readSnapshot(ctx.service, job.to, job.iCustomer));
  } catch (err) {
    return [`reading the copy failed: ${message(err)}`];
  }
}

async function customerOn(ctx: MoveContext, system: SystemName, iCustomer: number): Promise<{ present: boolean; moved: boolean }> {
  const r = await ctx.service.call(system, '/rest/Customer/get_customer_info', { i_customer: iCustomer });
  const info = r.json.customer_info as Record<string, unknown> | null | undefined;
  if (r.status !== 200 || info === undefined || info === null) return { present: false, moved: false };
  return { present: true, moved: info.migration_status === 'moved' };
}

/**
 * Resolves a customer a crash (or a lost lease) left between precheck and commit: never left
 * held. The directory tells whether the move began or ended; while held, both systems are asked
 * where the data is: a verified copy on the destination is committed, anything else is aborted
 * (copy undone) and the customer tried again. The decision is logged and kept as the reason.
 */
export async function recoverCustomer(ctx: MoveContext, entry: CustomerEntry): Promise<string> {
  const direction = entry.direction;
  const job = jobOf(ctx, entry, direction);
  const name = ctx.spec.name;
  const log = (decision: string) => {
    ctx.logger.warn('campaign recovery', { campaign: name, iCustomer: job.iCustomer, found: entry.state, decision });
    ctx.metrics.inc('webdispatcher_campaign_recoveries_total', 'Campaign customers resolved after a crash or a lost lease', { campaign: name });
    return decision;
  };
  const loc = await ctx.directory.getCustomer(job.iCustomer);
  if (loc?.state !== 'moving') {
    if (loc?.system === job.to) {
      await finish(ctx, job, direction, doneStep(direction));
      return log(`found ${entry.state}, already active on ${job.to}: marked ${doneStep(direction)}`);
    }
    await ctx.store.updateEntry(name, job.iCustomer, { state: retryStep(direction), reason: `recovered from ${entry.state}: the move had not begun; tried again` }, ctx.now());
    return log(`found ${entry.state}, not held, still on ${job.from}: tried again`);
  }
  const [there, here] = await Promise.all([customerOn(ctx, job.to, job.iCustomer), customerOn(ctx, job.from, job.iCustomer)]);
  if (there.present && !there.moved) {
    let diffs: string[];
    try {
      const snapshot = entry.snapshot !== null ? (JSON.parse(entry.snapshot) as CustomerSnapshot) : await readSnapshot(ctx.service, job.from, job.iCustomer);
      diffs = await verify(ctx, job, snapshot);
    } catch (err) {
      diffs = [`no source snapshot to compare with: ${message(err)}`];
    }
    if (diffs.length === 0) {
      await commitMove(ctx, job);
      await finish(ctx, job, direction, doneStep(direction));
      return log(`found ${entry.state}, held, data on ${job.to} and verified: committed`);
    }
    const note = await abortMove(ctx, job, true);
    await finish(ctx, job, direction, 'failed', 'verify', `recovered after a crash: the copy on ${job.to} differs: ${diffs.join('; ')}${note}`);
    return log(`found ${entry.state}, held, copy on ${job.to} differs: aborted`);
  }
  const note = await abortMove(ctx, job, here.moved);
  await ctx.store.updateEntry(name, job.iCustomer, { state: retryStep(direction), reason: `recovered from ${entry.state}: data still on ${job.from}, aborted and tried again${note}` }, ctx.now());
  return log(`found ${entry.state}, held, data still on ${job.from}: aborted, tried again`);
}
