import type { DispatcherConfig } from '../config/config.ts';
import type { SessionStore } from '../sessions/session-store.ts';
import type { LocationDirectory } from '../directory/location-directory.ts';
import { MemorySessionStore } from '../sessions/memory-session-store.ts';
import { MemoryDirectory } from '../directory/memory-directory.ts';
import { SqliteDirectory } from '../directory/sqlite-directory.ts';
import { PostgresDirectory } from '../directory/postgres-directory.ts';
import type { LoginThrottle } from '../execution/login-throttle.ts';
import { MemoryLoginThrottle } from '../execution/memory-login-throttle.ts';
import type { CampaignStore } from '../migration/campaign-store.ts';
import type { Logger } from '../core/logger.ts';
import { openWithRetries, redactUrl, STARTUP_RETRIES } from './open-with-retries.ts';
import { MemoryCampaignStore } from '../migration/memory-campaign-store.ts';

/** The session store the config names: memory (one node) or Redis (cluster). */
export async function openSessionStore(config: DispatcherConfig): Promise<SessionStore> {
  if (config.sessions.store === 'redis') {
    const { RedisSessionStore } = await import('../sessions/redis-session-store.ts');
    const { CachedSessionStore } = await import('../sessions/cached-session-store.ts');
    // A node-local copy (≤ 2 s, dropped on every other node's change) spares a Redis round trip per call.
    const redis = await RedisSessionStore.connect(config.sessions.redisUrl);
    return CachedSessionStore.open(redis, redis);
  }
  return new MemorySessionStore();
}

/**
 * The login throttle: shared through Redis when the sessions are (`sessions.store: redis`), so a
 * cluster allows the failed attempts of one node, not one node's allowance per node.
 */
export async function openLoginThrottle(config: DispatcherConfig): Promise<LoginThrottle> {
  if (config.sessions.store === 'redis') {
    const { RedisLoginThrottle } = await import('../execution/redis-login-throttle.ts');
    return RedisLoginThrottle.connect(config.sessions.redisUrl, config.security.loginFailures);
  }
  return new MemoryLoginThrottle(config.security.loginFailures);
}

/** The location directory the config names: memory, SQLite (default, one node) or PostgreSQL (cluster). */
export async function openDirectory(config: DispatcherConfig, workers: number): Promise<LocationDirectory> {
  switch (config.directory.store) {
    case 'memory': return new MemoryDirectory();
    case 'postgres': {
      return PostgresDirectory.open({ connectionString: config.directory.databaseUrl, schema: config.directory.schema, moveAckMs: config.cutover.holdTimeoutMs + 2000, queryTimeoutMs: config.directory.queryTimeoutMs });
    }
    default:
      return SqliteDirectory.open({ path: config.directory.sqlitePath, shared: workers > 1 });
  }
}

/**
 * The campaign store beside the directory (issue 12): the same SQLite file or PostgreSQL schema,
 * own tables; memory for a memory directory or one injected by a test.
 */
export async function openCampaignStore(config: DispatcherConfig, injectedDirectory: boolean): Promise<CampaignStore> {
  if (injectedDirectory) return new MemoryCampaignStore();
  switch (config.directory.store) {
    case 'memory': return new MemoryCampaignStore();
    case 'postgres': {
      const { PostgresCampaignStore } = await import('../migration/postgres-campaign-store.ts');
      return PostgresCampaignStore.open({ connectionString: config.directory.databaseUrl, schema: config.directory.schema, queryTimeoutMs: config.directory.queryTimeoutMs });
    }
    default: {
      const { SqliteCampaignStore } = await import('../migration/sqlite-campaign-store.ts');
      return SqliteCampaignStore.open(config.directory.sqlitePath);
    }
  }
}

/** What an operator reads in a start-up line about a store: its kind and address, no password. */
export function describeStore(config: DispatcherConfig, which: 'sessions' | 'directory'): string {
  if (which === 'sessions') return config.sessions.store === 'redis' ? `the session store (Redis at ${redactUrl(config.sessions.redisUrl)})` : 'the session store (memory)';
  switch (config.directory.store) {
    case 'memory': return 'the location directory (memory)';
    case 'postgres': return `the location directory (PostgreSQL at ${redactUrl(config.directory.databaseUrl)})`;
    default: return `the location directory (SQLite file ${config.directory.sqlitePath})`;
  }
}

export interface OpenedStores {
  sessions: SessionStore;
  loginThrottle: LoginThrottle;
  directory: LocationDirectory;
  close(): Promise<void>;
}

/**
 * Opens every store the config names (those not injected), each with bounded retries. If one
 * cannot be opened, the ones already open are closed before the StartupError propagates: an open
 * Redis connection would otherwise keep a process that cannot serve alive with no listener.
 */
export async function openStores(
  config: DispatcherConfig,
  injected: { sessions?: SessionStore | undefined; loginThrottle?: LoginThrottle | undefined; directory?: LocationDirectory | undefined },
  options: { logger: Logger; signal?: AbortSignal | undefined },
): Promise<OpenedStores> {
  // One bound for the whole start: a Redis that does not answer must not leave the directory its own.
  const opts = { ...options, deadline: Date.now() + STARTUP_RETRIES.budgetMs };
  const opened: Array<{ close(): Promise<void> }> = [];
  const closeAll = async () => {
    for (const s of opened.reverse()) await s.close().catch(() => undefined);
  };
  try {
    const sessions = injected.sessions ?? (await openWithRetries(describeStore(config, 'sessions'), () => openSessionStore(config), opts));
    if (!injected.sessions) opened.push(sessions);
    const loginThrottle = injected.loginThrottle ?? (await openWithRetries(`the login throttle (${config.sessions.store === 'redis' ? `Redis at ${redactUrl(config.sessions.redisUrl)}` : 'memory'})`, () => openLoginThrottle(config), opts));
    if (!injected.loginThrottle) opened.push(loginThrottle);
    const directory = injected.directory ?? (await openWithRetries(describeStore(config, 'directory'), () => openDirectory(config, config.workers), opts));
    if (!injected.directory) opened.push(directory);
    return { sessions, loginThrottle, directory, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
