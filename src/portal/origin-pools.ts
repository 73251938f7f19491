import { Pool } from 'undici';
import type { DispatcherConfig } from '../config/config.ts';

/**
 * Keep-alive undici Pools for the web faces of the systems (portal pages, CPE files), one per
 * origin, with the configured connect / headers / body deadlines.
 */
export class OriginPools {
  readonly #pools = new Map<string, Pool>();
  readonly #config: DispatcherConfig;

  constructor(config: DispatcherConfig) {
    this.#config = config;
  }

  get(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      const { connectMs, headersMs, bodyMs } = this.#config.timeouts;
      pool = new Pool(origin, {
        connections: this.#config.limits.connectionsPerBackend,
        keepAliveTimeout: 30_000,
        connect: { timeout: connectMs },
        headersTimeout: headersMs,
        bodyTimeout: bodyMs,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
  }
}
