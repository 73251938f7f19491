import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { dispatcherFault } from '../core/faults.ts';
import { openRedis, reconnectIfTimedOut } from '../sessions/redis-connection.ts';
import { IP_FACTOR, ipKey, loginKey, throttledFault, type LoginLimits, type LoginThrottle } from './login-throttle.ts';

/** KEYS: login key, ip key; ARGV: now ms, window ms. Returns the two recent-failure counts. */
const COUNT = `
local from = tonumber(ARGV[1]) - tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', from)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', from)
return { redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2]) }`;

/** KEYS: login key, ip key; ARGV: now ms, window ms, member, cap. Adds one failure to both keys. */
const FAIL = `
local from = tonumber(ARGV[1]) - tonumber(ARGV[2])
for i = 1, 2 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', from)
  redis.call('ZADD', KEYS[i], ARGV[1], ARGV[3])
  local n = redis.call('ZCARD', KEYS[i])
  if n > tonumber(ARGV[4]) then redis.call('ZREMRANGEBYRANK', KEYS[i], 0, n - tonumber(ARGV[4]) - 1) end
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return 1`;

/**
 * The login throttle shared by every node of a cluster: one sorted set of failure times per key
 * in Redis (the sessions' Redis), trimmed to the window and expiring with it; each check and each
 * failure is one atomic script, so concurrent nodes count the same failures.
 */
export class RedisLoginThrottle implements LoginThrottle {
  #redis: Redis;
  #prefix: string;
  #max: number;
  #windowMs: number;
  #seq = 0;
  #node = randomBytes(4).toString('hex');

  private constructor(redis: Redis, limits: LoginLimits, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#max = limits.max;
    this.#windowMs = limits.windowSeconds * 1000;
  }

  static async connect(url: string, limits: LoginLimits, prefix = 'wd:login-failures:'): Promise<RedisLoginThrottle> {
    const redis = openRedis(url);
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      throw dispatcherFault('backendUnavailable', `Login-throttle Redis at ${url.replace(/\/\/[^@]*@/, '//')} is unreachable: ${(err as Error).message}`);
    }
    return new RedisLoginThrottle(redis, limits, prefix);
  }

  #keys(realm: string, login: string, ip: string): [string, string] {
    return [this.#prefix + loginKey(realm, login), this.#prefix + ipKey(ip)];
  }

  async check(realm: string, login: string, ip: string): Promise<void> {
    let counts: unknown;
    try {
      counts = await this.#redis.eval(COUNT, 2, ...this.#keys(realm, login, ip), Date.now(), this.#windowMs);
    } catch (err) {
      reconnectIfTimedOut(this.#redis, err);
      // Without the shared count a node cannot tell how many attempts the others allowed: refuse, retryably.
      throw dispatcherFault('backendUnavailable', `Login throttle unavailable: ${(err as Error).message}`, { httpStatus: 503, retryable: true });
    }
    const [byLogin, byIp] = Array.isArray(counts) ? counts.map(Number) : [0, 0];
    if ((byLogin ?? 0) >= this.#max || (byIp ?? 0) >= this.#max * IP_FACTOR) throw throttledFault(login);
  }

  async fail(realm: string, login: string, ip: string): Promise<void> {
    const member = `${Date.now()}:${this.#node}:${++this.#seq}`;
    try {
      await this.#redis.eval(FAIL, 2, ...this.#keys(realm, login, ip), Date.now(), this.#windowMs, member, this.#max * IP_FACTOR * 2);
    } catch {
      // Best effort: the next check fails closed while Redis is away.
    }
  }

  async succeed(realm: string, login: string): Promise<void> {
    try {
      await this.#redis.del(this.#prefix + loginKey(realm, login));
    } catch {
      // Best effort, as fail().
    }
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
    return Promise.resolve();
  }
}
