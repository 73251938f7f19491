import type { DispatcherSession } from './session.ts';
import type { SessionStore } from './session-store.ts';

/** In-process sessions for a single node. Expired entries are dropped on read and by a periodic sweep. */
export class MemorySessionStore implements SessionStore {
  #sessions = new Map<string, DispatcherSession>();
  #sweep: NodeJS.Timeout;

  constructor(sweepIntervalMs = 60_000) {
    this.#sweep = setInterval(() => this.#dropExpired(), sweepIntervalMs);
    this.#sweep.unref();
  }

  #dropExpired(): void {
    const now = Date.now() / 1000;
    for (const [id, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(id);
  }

  async get(id: string): Promise<DispatcherSession | undefined> {
    const s = this.#sessions.get(id);
    if (s === undefined) return undefined;
    if (s.expiresAt <= Date.now() / 1000) {
      this.#sessions.delete(id);
      return undefined;
    }
    // A copy, so callers mutate only through put() as they must with a shared store.
    return structuredClone(s);
  }

  async put(session: DispatcherSession): Promise<void> {
    this.#sessions.set(session.id, structuredClone(session));
  }

  async delete(id: string): Promise<void> {
    this.#sessions.delete(id);
  }

  async count(): Promise<number> {
    return this.#sessions.size;
  }

  async check(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    this.#sessions.clear();
  }
}
