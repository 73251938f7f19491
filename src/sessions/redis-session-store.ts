import { Redis } from 'ioredis';
import type { DispatcherSession } from './session.ts';
import type { SessionStore } from './session-store.ts';
import { dispatcherFault } from '../edge/faults.ts';

/**
 * Sessions shared by every node of a cluster. Each session is one Redis string that expires with
 * the session; a sorted set by expiry gives a cheap live count for metrics.
 */
export class RedisSessionStore implements SessionStore {
  #redis: Redis;
  #prefix: string;

  private constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  static async connect(url: string, prefix = 'wd:session:'): Promise<RedisSessionStore> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false, connectTimeout: 2000 });
    redis.on('error', () => undefined); // surfaced per call as directoryUnavailable-style faults
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      throw dispatcherFault('backendUnavailable', `Session store Redis at ${url.replace(/\/\/[^@]*@/, '//')} is unreachable: ${(err as Error).message}`);
    }
    return new RedisSessionStore(redis, prefix);
  }

  #unavailable(err: unknown): never {
    throw dispatcherFault('backendUnavailable', `Session store unavailable: ${(err as Error).message}`, { httpStatus: 503, retryable: true });
  }

  async get(id: string): Promise<DispatcherSession | undefined> {
    if (id.length > 200) return undefined;
    let text: string | null;
    try {
      text = await this.#redis.get(this.#prefix + id);
    } catch (err) {
      this.#unavailable(err);
    }
    if (text === null) return undefined;
    const s = JSON.parse(text) as DispatcherSession;
    return s.expiresAt > Date.now() / 1000 ? s : undefined;
  }

  async put(session: DispatcherSession): Promise<void> {
    try {
      await this.#redis
        .multi()
        .set(this.#prefix + session.id, JSON.stringify(session), 'EXAT', Math.ceil(session.expiresAt))
        .zadd(`${this.#prefix}expiry`, session.expiresAt, session.id)
        .exec();
    } catch (err) {
      this.#unavailable(err);
    }
  }

  async delete(id: string): Promise<void> {
    try {
      await this.#redis.multi().del(this.#prefix + id).zrem(`${this.#prefix}expiry`, id).exec();
    } catch (err) {
      this.#unavailable(err);
    }
  }

  async count(): Promise<number> {
    const now = Date.now() / 1000;
    await this.#redis.zremrangebyscore(`${this.#prefix}expiry`, '-inf', now);
    return this.#redis.zcard(`${this.#prefix}expiry`);
  }

  async check(): Promise<void> {
    await this.#redis.ping();
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
