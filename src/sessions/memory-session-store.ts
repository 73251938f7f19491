import type { DispatcherSession } from './session.ts';
import type { SessionStore } from './session-store.ts';
import { packedExpiresAt, packSession, unpackSession } from './compact-session.ts';

/**
 * In-process sessions for a single node. Each session is kept as one short JSON text
 * (compact-session.ts): a read returns a fresh copy (callers change a session only through put, as
 * with a shared store), and the text takes a fraction of the memory of the object graph. Expired
 * entries are dropped on read and by a periodic sweep.
 */
export class MemorySessionStore implements SessionStore {
  #sessions = new Map<string, string>();
  #sweep: NodeJS.Timeout;

  constructor(sweepIntervalMs = 60_000) {
    this.#sweep = setInterval(() => this.#dropExpired(), sweepIntervalMs);
    this.#sweep.unref();
  }

  #dropExpired(): void {
    const now = Date.now() / 1000;
    for (const [id, s] of this.#sessions) if (packedExpiresAt(s) <= now) this.#sessions.delete(id);
  }

  async get(id: string): Promise<DispatcherSession | undefined> {
    const s = this.#sessions.get(id);
    if (s === undefined) return undefined;
    if (packedExpiresAt(s) <= Date.now() / 1000) {
      this.#sessions.delete(id);
      return undefined;
    }
    return unpackSession(id, s);
  }

  async put(session: DispatcherSession): Promise<void> {
    this.#sessions.set(session.id, packSession(session));
  }

  async update(id: string, change: (session: DispatcherSession) => void): Promise<DispatcherSession | undefined> {
    // No await between the read and the write: atomic within the event loop.
    const s = this.#sessions.get(id);
    if (s === undefined || packedExpiresAt(s) <= Date.now() / 1000) return undefined;
    const session = unpackSession(id, s);
    change(session);
    this.#sessions.set(id, packSession(session));
    return session;
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
