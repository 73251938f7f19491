import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DispatcherSession } from './session.ts';
import type { SessionChangeFeed, SessionChangeListener, SessionStore } from './session-store.ts';
import { dispatcherFault } from '../core/faults.ts';
import { openRedis, reconnectIfTimedOut } from './redis-connection.ts';

const SESSION_ID = /^[0-9a-f]{48}$/;

/** KEYS: session, expiry set; ARGV: expected text, new text, EXAT, score, id, channel, message. */
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EXAT', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
redis.call('PUBLISH', ARGV[6], ARGV[7])
return 1`;

/**
 * Sessions shared by every node of a cluster. Each session is one Redis string that expires with
 * the session; a sorted set by expiry gives a cheap live count for metrics. Every put and delete
 * also publishes the session id on `<prefix>changed` in the same transaction, so node caches
 * (CachedSessionStore) drop their copy; Redis sends the message before it acknowledges the write.
 */
export class RedisSessionStore implements SessionStore, SessionChangeFeed {
  #redis: Redis;
  #prefix: string;
  #channel: string;
  /** Tags this store's own messages, which its own cache need not act on. */
  #origin = randomBytes(6).toString('hex');

  private constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#channel = `${prefix}changed`;
  }

  static async connect(url: string, prefix = 'wd:session:'): Promise<RedisSessionStore> {
    const redis = openRedis(url);
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      throw dispatcherFault('backendUnavailable', `Session store Redis at ${url.replace(/\/\/[^@]*@/, '//')} is unreachable: ${(err as Error).message}`);
    }
    return new RedisSessionStore(redis, prefix);
  }

  #unavailable(err: unknown): never {
    reconnectIfTimedOut(this.#redis, err);
    throw dispatcherFault('backendUnavailable', `Session store unavailable: ${(err as Error).message}`, { httpStatus: 503, retryable: true });
  }

  async get(id: string): Promise<DispatcherSession | undefined> {
    // Only ids this product issues (48 hex digits) are looked up: a client-chosen id must never
    // name another key of the store (e.g. the expiry set).
    if (!SESSION_ID.test(id)) return undefined;
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
        .publish(this.#channel, `${this.#origin} ${session.id}`)
        .exec();
    } catch (err) {
      this.#unavailable(err);
    }
  }

  /**
   * Read, change, then write only if the stored text is still what was read (a compare-and-set in
   * one Lua call, so it is safe on a shared connection); retried on a concurrent change.
   */
  async update(id: string, change: (session: DispatcherSession) => void): Promise<DispatcherSession | undefined> {
    if (!SESSION_ID.test(id)) return undefined;
    const key = this.#prefix + id;
    for (let attempt = 0; attempt < 10; attempt++) {
      let text: string | null;
      try {
        text = await this.#redis.get(key);
      } catch (err) {
        this.#unavailable(err);
      }
      if (text === null) return undefined;
      const session = JSON.parse(text) as DispatcherSession;
      if (session.expiresAt <= Date.now() / 1000) return undefined;
      change(session);
      let stored: unknown;
      try {
        stored = await this.#redis.eval(COMPARE_AND_SET, 2, key, `${this.#prefix}expiry`, text, JSON.stringify(session), Math.ceil(session.expiresAt), session.expiresAt, id, this.#channel, `${this.#origin} ${id}`);
      } catch (err) {
        this.#unavailable(err);
      }
      if (stored === 1) return session;
    }
    throw dispatcherFault('backendUnavailable', `Session ${id.slice(0, 8)}… changed concurrently too often; retry`, { httpStatus: 503, retryable: true });
  }

  async delete(id: string): Promise<void> {
    try {
      await this.#redis.multi().del(this.#prefix + id).zrem(`${this.#prefix}expiry`, id).publish(this.#channel, `${this.#origin} ${id}`).exec();
    } catch (err) {
      this.#unavailable(err);
    }
  }

  /**
   * Subscribes to other stores' puts and deletes on a connection of its own. `lost` is called
   * whenever the subscription may have missed a message (connection closed), `ready` once it is
   * subscribed again; resolves when first subscribed, to a function that unsubscribes.
   */
  async watchChanges(listener: SessionChangeListener): Promise<() => Promise<void>> {
    const sub = this.#redis.duplicate({ lazyConnect: true, enableOfflineQueue: true });
    sub.on('error', () => undefined);
    let subscribed = false;
    sub.on('message', (channel: string, message: string) => {
      if (channel !== this.#channel) return;
      const space = message.indexOf(' ');
      if (space < 0) listener.lost();
      else if (message.slice(0, space) !== this.#origin) listener.changed(message.slice(space + 1));
    });
    sub.on('close', () => {
      subscribed = false;
      listener.lost();
    });
    sub.on('ready', () => {
      // ioredis subscribes again on reconnect before it says ready.
      if (!subscribed) {
        subscribed = true;
        listener.ready();
      }
    });
    await sub.connect();
    await sub.subscribe(this.#channel);
    if (!subscribed) {
      subscribed = true;
      listener.ready();
    }
    return async () => {
      await sub.quit().catch(() => sub.disconnect());
    };
  }

  async count(): Promise<number> {
    const now = Date.now() / 1000;
    try {
      await this.#redis.zremrangebyscore(`${this.#prefix}expiry`, '-inf', now);
      return await this.#redis.zcard(`${this.#prefix}expiry`);
    } catch (err) {
      this.#unavailable(err);
    }
  }

  async check(): Promise<void> {
    try {
      await this.#redis.ping();
    } catch (err) {
      this.#unavailable(err);
    }
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
