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
  /**
   * Applies `change` to the session as stored now and stores the result, unless the session is
   * gone (a logout or expiry is never undone); concurrent updates of one session do not lose each
   * other's changes. Returns the stored session, or undefined when there was none.
   */
  update(id: string, change: (session: DispatcherSession) => void): Promise<DispatcherSession | undefined>;
  /** Live sessions (for metrics); may be approximate. */
  count(): Promise<number>;
  check(): Promise<void>;
  close(): Promise<void>;
}

/** Receives another node's session changes (see SessionChangeFeed). */
export interface SessionChangeListener {
  /** The session was put or deleted elsewhere: a copy of it is stale. */
  changed(id: string): void;
  /** Changes may have been missed (the feed is down): every copy may be stale. */
  lost(): void;
  /** The feed delivers changes again. */
  ready(): void;
}

/** A shared store that tells each node when another node changed a session. */
export interface SessionChangeFeed {
  watchChanges(listener: SessionChangeListener): Promise<() => Promise<void>>;
}
