import type { LocationDirectory } from '../../directory/location-directory.ts';
import type { Logger } from '../../core/logger.ts';
import type { Reply } from '../../core/reply.ts';
import type { SystemCall, SystemStage } from '../system-call.ts';
import type { AccountOwnerLookup, OwnedLearner } from '../../directory/owned-learner.ts';
import type { SystemName } from '../../core/api-call.ts';
import type { DispatcherSession } from '../../sessions/session.ts';

/** Reads an account's customer on a system with the caller's session (`accountOwnerReader`). */
export type AccountOwnerReader = (system: SystemName, session: DispatcherSession, requestId: string, iAccount: number) => Promise<number | undefined>;
import type { FoundOwnedRecord } from '../../directory/owned-records-in.ts';

/** Methods whose reply names the record they created. */
const CREATES = new Set(['add_account', 'add_customer', 'add_alias', 'add_subscription']);

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/** The owned record a creating call made, with its owner as the params name it. */
function createdOwned(call: SystemCall['call'], result: Record<string, unknown>): FoundOwnedRecord | undefined {
  if (call.method === 'add_alias') {
    const id = positive(result.i_alias);
    const info = call.params.alias_info as Record<string, unknown> | undefined;
    const iAccount = positive(info?.i_master_account);
    return id !== undefined && iAccount !== undefined ? { kind: 'alias', id, owner: { iAccount } } : undefined;
  }
  if (call.method === 'add_subscription') {
    const id = positive(result.i_customer_subscription);
    const iCustomer = positive(call.params.i_customer);
    return id !== undefined && iCustomer !== undefined ? { kind: 'subscription', id, owner: { iCustomer } } : undefined;
  }
  return undefined;
}

/** A successful reply's result: JSON, or a forwarded envelope's result read by its format; undefined when unreadable. */
function resultOf(ctx: SystemCall, text: string): unknown {
  const envelope = ctx.payload.envelope;
  if (envelope !== undefined) return envelope.resultOf(text);
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Records what a creating call created, so later calls route without guessing. */
async function learnCreated(ctx: SystemCall, directory: LocationDirectory, text: string, owned: OwnedLearner | undefined, accountOwner: AccountOwnerLookup | undefined): Promise<void> {
  const { call, system } = ctx;
  const json = resultOf(ctx, text);
  if (typeof json !== 'object' || json === null) return;
  const result = json as Record<string, unknown>;
  const created = owned === undefined ? undefined : createdOwned(call, result);
  if (created !== undefined) {
    await owned!.record([created], accountOwner);
    return;
  }
  if (call.method === 'add_account' && typeof result.i_account === 'number') {
    const info = (call.params.account_info ?? call.params) as Record<string, unknown>;
    const iCustomer = info.i_customer;
    if (typeof iCustomer === 'number') {
      const keys: { id?: string; login?: string } = {};
      if (typeof info.id === 'string') keys.id = info.id;
      if (typeof info.login === 'string') keys.login = info.login;
      await directory.putAccount(result.i_account, iCustomer, keys);
    }
  } else if (call.method === 'add_customer' && typeof result.i_customer === 'number') {
    const info = (call.params.customer_info ?? call.params) as Record<string, unknown>;
    const record: Parameters<LocationDirectory['putCustomer']>[0] = { iCustomer: result.i_customer, system };
    if (typeof info.login === 'string') record.login = info.login;
    if (typeof info.name === 'string') record.name = info.name;
    await directory.putCustomer(record);
  }
}

/**
 * Teaches the directory what passes through: the customer or account a creating call made lives
 * on the system that made it, and the owners of the owned records that list and info replies
 * show (offered to the `OwnedLearner`, off the reply path; only replies that arrived whole: a
 * streamed one is not read twice). A directory failure is logged, never turned into a failed call
 * (the record was created).
 */
export function learnStage(directory: LocationDirectory, logger: Logger, owned?: OwnedLearner, readAccountOwner?: AccountOwnerReader): SystemStage {
  const ownerLookup = (ctx: SystemCall): AccountOwnerLookup | undefined =>
    readAccountOwner === undefined ? undefined : (iAccount) => readAccountOwner(ctx.system, ctx.session, ctx.call.requestId, iAccount);
  const learn = async (ctx: SystemCall, next: () => Promise<Reply>): Promise<Reply> => {
    ctx.wantText = true;
    const reply = await next();
    if (reply.status === 200 && typeof reply.body === 'string') {
      await learnCreated(ctx, directory, reply.body, owned, ownerLookup(ctx)).catch((err: unknown) => {
        logger.warn('could not record a created record in the directory', { requestId: ctx.call.requestId, error: (err as Error).message });
      });
    }
    return reply;
  };
  const observe = async (ctx: SystemCall, next: () => Promise<Reply>): Promise<Reply> => {
    const reply = await next();
    if (reply.status !== 200 || !(typeof reply.body === 'string' || Buffer.isBuffer(reply.body))) return reply;
    // The learner reads JSON: a forwarded envelope's reply is offered as its result in JSON.
    const envelope = ctx.payload.envelope;
    const body = envelope === undefined ? reply.body : JSON.stringify(envelope.resultOf(reply.body.toString()) ?? null);
    owned!.offer(ctx.call.service, ctx.call.method, body, ownerLookup(ctx));
    return reply;
  };
  return (ctx, next) => {
    if (CREATES.has(ctx.call.method)) return learn(ctx, next);
    if (owned !== undefined && owned.wants(ctx.call.service, ctx.call.method)) return observe(ctx, next);
    return next();
  };
}
