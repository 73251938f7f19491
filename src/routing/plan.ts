import type { SystemName } from '../core/api-call.ts';
import type { ApiFault } from '../core/faults.ts';
import type { PagingMode } from '../core/api-call.ts';

export type SessionOp = 'login' | 'logout' | 'ping' | 'refresh' | 'get-context' | 'set-context' | 'unknown';

/** What to do with a call: data, decided by the pure router, carried out by the call pipeline. */
export type Plan =
  | { kind: 'session-op'; op: SessionOp }
  | {
      kind: 'single';
      system: SystemName;
      /** Which rule decided (for logs and tests). */
      rule: 'retail' | 'locator' | 'env-switch' | 'context';
      /** The customer the call acts on, when known: cutover holds apply to it. */
      iCustomer?: number;
      /** Set by rule 6: make this the session's sticky context. */
      switchContext?: boolean;
    }
  | { kind: 'merge'; systems: SystemName[]; paging: PagingMode }
  | {
      kind: 'broadcast';
      systems: SystemName[];
      /** The customer owning the record the call names, when known: cutover holds apply to it. */
      iCustomer?: number;
    }
  | { kind: 'hold'; iCustomer: number }
  | { kind: 'refuse'; fault: ApiFault };
