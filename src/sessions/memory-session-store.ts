import type { DispatcherSession } from './session.ts';
import type { SessionStore } from './session-store.ts';

/**
 * In-process sessions for a single node. Each session is kept as its JSON text: a read returns a
 * fresh copy (callers change a session only through put, as with a shared store), and a string
 * takes about half the memory of the object graph. Expired entries are dropped on read and by a
 * periodic sweep.
 */
export class MemorySessionStore implements SessionStore {
  #sessions = new Map<string, { expiresAt: number; json: string }>();
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
    return JSON.parse(s.json) as DispatcherSession;
  }

  async put(session: DispatcherSession): Promise<void> {
    this.#sessions.set(session.id, { expiresAt: session.expiresAt, json: JSON.stringify(session) });
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
