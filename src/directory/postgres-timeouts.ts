/**
 * Connection settings that make an unreachable PostgreSQL a prompt, clear failure instead of a
 * hang. A cut cable drops packets silently: without these a query waits for TCP to give up
 * (many minutes), and a node partitioned inside a transaction would hold its row locks (the
 * directory's epoch row: every writer) until the server's keepalive noticed, hours later.
 */
export interface PostgresTimeouts {
  /** Client side: a query without an answer after this long fails (and its connection is dropped). */
  query_timeout: number;
  /** Connecting (and waiting for a pooled connection) fails after this long. */
  connectionTimeoutMillis: number;
  /** Server side: a session idle inside a transaction this long is ended, releasing its locks. */
  idle_in_transaction_session_timeout: number;
  keepAlive: true;
  keepAliveInitialDelayMillis: number;
}

/** Default bound of one directory or campaign-store query (config `directory.queryTimeoutMs`). */
export const DEFAULT_QUERY_TIMEOUT_MS = 5000;

export function postgresTimeouts(queryTimeoutMs = DEFAULT_QUERY_TIMEOUT_MS): PostgresTimeouts {
  return {
    query_timeout: queryTimeoutMs,
    connectionTimeoutMillis: queryTimeoutMs,
    idle_in_transaction_session_timeout: Math.max(1000, 2 * queryTimeoutMs),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}
