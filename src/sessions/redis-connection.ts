import { Redis } from 'ioredis';

/** Bound of one Redis command (sessions, login throttle): a cut-off Redis is a fault, not a hang. */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

/**
 * A Redis client for the request path: commands fail rather than queue while disconnected, and a
 * command without an answer fails after REDIS_COMMAND_TIMEOUT_MS (a cut cable drops packets
 * silently; TCP alone would wait for many minutes).
 */
export function openRedis(url: string): Redis {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
  redis.on('error', () => undefined); // surfaced per call as retryable faults
  return redis;
}

/**
 * After a command timed out the connection is suspect: the commands behind it would wait too.
 * Reconnecting makes the next calls fail at once while Redis is away, and succeed as soon as a
 * new connection gets through, instead of waiting out TCP's retransmission backoff.
 */
export function reconnectIfTimedOut(redis: Redis, err: unknown): void {
  if (err instanceof Error && /timed out/i.test(err.message) && redis.status === 'ready') redis.disconnect(true);
}
