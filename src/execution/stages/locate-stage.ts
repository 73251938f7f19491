import type { Discoverer, LocationResolver, Locator } from '../../core/location.ts';
import type { BackendClient } from '../../backends/backend-client.ts';
import type { RouteInput } from '../../routing/route-input.ts';
import type { Reply } from '../../core/reply.ts';
import type { DispatcherSession } from '../../sessions/session.ts';
import type { CallContext, CallStage } from '../pipeline.ts';
import { sessionOf } from '../pipeline.ts';
import { findEnv, findLocators } from '../../routing/locators.ts';
import { makeDiscoverer } from '../discover.ts';

async function locateAll(resolver: LocationResolver, locators: Locator[], discover: Discoverer): Promise<RouteInput['locations']> {
  if (locators.length === 0) return [];
  // One locator (the common case) without Promise.all.
  if (locators.length === 1) {
    const locator = locators[0]!;
    return [{ locator, location: await resolver.resolve(locator, discover) }];
  }
  return Promise.all(locators.map(async (locator) => ({ locator, location: await resolver.resolve(locator, discover) })));
}

/**
 * Finds what the call names (its locators, its i_env) and where each record lives now, and for a
 * retail session where its own customer lives. Runs again when a held call is routed anew.
 */
export function locateStage(resolver: LocationResolver, backends: BackendClient): CallStage {
  const locate = async (ctx: CallContext, session: DispatcherSession, locators: Locator[], next: () => Promise<Reply>): Promise<Reply> => {
    const discover = makeDiscoverer(backends, session, ctx.call.requestId);
    ctx.locations = await locateAll(resolver, locators, discover);
    ctx.retailLocation = session.pinned !== undefined && session.iCustomer !== undefined
      ? await resolver.resolve({ kind: 'customer', iCustomer: session.iCustomer }, discover)
      : undefined;
    return next();
  };
  return (ctx, next) => {
    const session = sessionOf(ctx);
    const { call } = ctx;
    // The params are read once per call; a rerouted call only resolves them again.
    if (ctx.locators === undefined) {
      ctx.locators = session.pinned === undefined ? findLocators(call) : [];
      ctx.env = findEnv(call);
    }
    // A call naming nothing, in an admin session, has nothing to resolve.
    if (ctx.locators.length === 0 && session.pinned === undefined) {
      ctx.locations = [];
      ctx.retailLocation = undefined;
      return next();
    }
    return locate(ctx, session, ctx.locators, next);
  };
}
