import type { DispatcherSession } from './session.ts';

/**
 * Shared session storage. One node: memory; cluster: Redis. All implementations pass the shared
 * suite in session-store.suite.ts.
 */
export interface SessionStore {
  get(id: string): Promise<DispatcherSession | undefined>;
  /** Creates or replaces a session; it disappears at `session.expiresAt`. */
  put(session: DispatcherSession): Promise<void>;
  delete(id: string): Promise<void>;
  /** Live sessions (for metrics); may be approximate. */
  count(): Promise<number>;
  check(): Promise<void>;
  close(): Promise<void>;
}
