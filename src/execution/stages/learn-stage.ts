import type { LocationDirectory } from '../../directory/location-directory.ts';
import type { Logger } from '../../core/logger.ts';
import type { Reply } from '../../core/reply.ts';
import type { SystemCall, SystemStage } from '../system-call.ts';

/** Methods whose reply names the record they created. */
const CREATES = new Set(['add_account', 'add_customer']);

/** Records what a creating call created, so later calls route without guessing. */
async function learnCreated(ctx: SystemCall, directory: LocationDirectory, text: string): Promise<void> {
  const { call, system } = ctx;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return;
  }
  const result = json as Record<string, unknown>;
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
 * on the system that made it. A directory failure is logged, never turned into a failed call
 * (the record was created).
 */
export function learnStage(directory: LocationDirectory, logger: Logger): SystemStage {
  const learn = async (ctx: SystemCall, next: () => Promise<Reply>): Promise<Reply> => {
    ctx.wantText = true;
    const reply = await next();
    if (reply.status === 200 && typeof reply.body === 'string') {
      await learnCreated(ctx, directory, reply.body).catch((err: unknown) => {
        logger.warn('could not record a created record in the directory', { requestId: ctx.call.requestId, error: (err as Error).message });
      });
    }
    return reply;
  };
  return (ctx, next) => (CREATES.has(ctx.call.method) ? learn(ctx, next) : next());
}
