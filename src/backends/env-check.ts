import type { SystemName } from '../core/api-call.ts';
import { SYSTEMS } from '../core/api-call.ts';
import type { Logger } from '../core/logger.ts';
import type { ServiceClient } from './service-client.ts';

/**
 * What a check found for one system:
 * - `verified`: the system answers the configured i_env, and the other system another one;
 * - `mismatch`: it answers another i_env than configured;
 * - `duplicate`: both systems answer this same i_env;
 * - `unverified`: it could not be asked (down, refused the service login, answered no i_env);
 * - `unchecked`: the dispatcher has no service login (`ops.serviceLogin`) to ask with.
 */
export type EnvStatus = 'verified' | 'mismatch' | 'duplicate' | 'unverified' | 'unchecked';

export interface SystemEnv {
  system: SystemName;
  configured: number;
  /** The i_env the system answered (the last one it answered, when the last ask failed); null = never. */
  observed: number | null;
  status: EnvStatus;
  message: string;
}

export interface EnvReport {
  /** False when a system answers a wrong environment, or both answer the same one (not ready). */
  ok: boolean;
  systems: Record<SystemName, SystemEnv>;
  checkedAt: string | null;
}

export interface EnvCheckOptions {
  envs: Record<SystemName, number>;
  /** The service login; without one nothing is asked and every system is `unchecked`. */
  service: ServiceClient | undefined;
  /** `refresh()` asks again when the last check is older than this; 0 = every time. */
  refreshMs: number;
  logger: Logger;
}

const FAILING: ReadonlySet<EnvStatus> = new Set(['mismatch', 'duplicate']);

/**
 * The i_env a system answers: the one its service session's access token carries (PortaBilling
 * puts it in the token's claims; no call beyond the login), else `Env/get_env_info`.
 */
async function observe(service: ServiceClient, system: SystemName): Promise<number> {
  const claimed = (await service.claims(system)).i_env;
  if (typeof claimed === 'number') return claimed;
  const reply = await service.ok(system, '/rest/Env/get_env_info', {});
  const info = reply.env_info as Record<string, unknown> | undefined;
  if (typeof info?.i_env === 'number') return info.i_env;
  throw new Error('it answers no i_env (neither its access token nor Env/get_env_info says)');
}

/**
 * Checks each configured system's `env` against the i_env the system itself answers (SPEC:
 * "the systems are mapped by their environment IDs"): at start, then on readiness probes (at most
 * once per `refreshMs`). A wrong mapping makes the node not ready, naming the system, the
 * configured and the observed value, is logged once per change, and context switches to an
 * environment not verified are refused (`refusal`). A system once verified stays verified
 * through a failed ask: an environment id does not change under a running dispatcher, an outage
 * is the backends' health, not a mapping error.
 */
export class EnvCheck {
  readonly #o: EnvCheckOptions;
  #observed: Record<SystemName, number | null> = { source: null, target: null };
  #errors: Record<SystemName, string | null> = { source: null, target: null };
  #report: EnvReport;
  #checkedAtMs = 0;
  #running: Promise<EnvReport> | undefined;
  #logged = '';

  constructor(options: EnvCheckOptions) {
    this.#o = options;
    this.#report = this.#judge(null);
  }

  /** The last report (no call made). */
  current(): EnvReport {
    return this.#report;
  }

  /** Asks both systems now (one check at a time; a caller during one shares it). */
  check(): Promise<EnvReport> {
    if (this.#running !== undefined) return this.#running;
    const run = this.#ask().finally(() => { if (this.#running === run) this.#running = undefined; });
    this.#running = run;
    return run;
  }

  /** The report, asked again first when the last check is older than `refreshMs` (a readiness probe). */
  refresh(): Promise<EnvReport> {
    if (this.#o.service === undefined) return Promise.resolve(this.#report);
    if (this.#running === undefined && this.#checkedAtMs !== 0 && Date.now() - this.#checkedAtMs < this.#o.refreshMs) return Promise.resolve(this.#report);
    return this.check();
  }

  /**
   * Why a switch of a session's context to `system` is refused, or undefined when it may go:
   * its environment is verified, or there is no service login to verify it with (`unchecked`).
   */
  refusal(system: SystemName): string | undefined {
    const s = this.#report.systems[system];
    if (s.status === 'verified' || s.status === 'unchecked') return undefined;
    // A refusal for a system that could not be asked is worth a fresh ask for the next one.
    if (s.status === 'unverified' && Date.now() - this.#checkedAtMs >= Math.min(this.#o.refreshMs, 5_000)) void this.check().catch(() => undefined);
    return `Cannot switch the session to i_env ${s.configured}: the environment of the ${system} system is not verified (${s.message})`;
  }

  /**
   * What an admin or reseller login just showed: the i_env claim of a backend session made on
   * `system`. Costs no call, so a node whose start-up check is off (or failed) knows its mapping
   * from the first login; a change is judged and logged like a check's.
   */
  learn(system: SystemName, claimedEnv: unknown): void {
    if (typeof claimedEnv !== 'number' || this.#observed[system] === claimedEnv) return;
    this.#observed[system] = claimedEnv;
    this.#errors[system] = null;
    this.#report = this.#judge(new Date().toISOString());
    this.#logChange();
  }

  async #ask(): Promise<EnvReport> {
    const service = this.#o.service;
    if (service !== undefined) {
      await Promise.all(SYSTEMS.map(async (system) => {
        try {
          this.#observed[system] = await observe(service, system);
          this.#errors[system] = null;
        } catch (err) {
          this.#errors[system] = err instanceof Error ? err.message : String(err);
        }
      }));
    }
    this.#checkedAtMs = Date.now();
    this.#report = this.#judge(new Date(this.#checkedAtMs).toISOString());
    this.#logChange();
    return this.#report;
  }

  #judge(checkedAt: string | null): EnvReport {
    const { envs, service } = this.#o;
    const same = this.#observed.source !== null && this.#observed.source === this.#observed.target;
    const systems = {} as Record<SystemName, SystemEnv>;
    for (const system of SYSTEMS) {
      const configured = envs[system];
      const observed = this.#observed[system];
      const error = this.#errors[system];
      let status: EnvStatus;
      let message: string;
      if (service === undefined && observed === null) {
        status = 'unchecked';
        message = `the ${system} system's i_env is not checked (no ops.serviceLogin); configured ${configured}`;
      } else if (observed === null) {
        status = 'unverified';
        message = checkedAt === null ? `the ${system} system has not been asked yet; configured i_env ${configured}` : `the ${system} system could not be asked its i_env (${error ?? 'no answer'}); configured ${configured}`;
      } else if (observed !== configured) {
        status = 'mismatch';
        message = `the ${system} system is configured as i_env ${configured} but answers i_env ${observed}`;
      } else if (same) {
        status = 'duplicate';
        message = `the ${system} system answers i_env ${observed}, and so does the other system: both are the same environment`;
      } else {
        status = 'verified';
        message = `the ${system} system answers i_env ${observed}, as configured`;
      }
      systems[system] = { system, configured, observed, status, message };
    }
    return { ok: SYSTEMS.every((s) => !FAILING.has(systems[s].status)), systems, checkedAt };
  }

  /** One line per change of what the check finds, not per probe. */
  #logChange(): void {
    const r = this.#report;
    const summary = SYSTEMS.map((s) => `${s}:${r.systems[s].status}:${r.systems[s].observed ?? '-'}`).join(' ');
    if (summary === this.#logged) return;
    this.#logged = summary;
    const fields = Object.fromEntries(SYSTEMS.flatMap((s) => [[`${s}Status`, r.systems[s].status], [`${s}Configured`, r.systems[s].configured], [`${s}Observed`, r.systems[s].observed]]));
    const problems = SYSTEMS.filter((s) => r.systems[s].status !== 'verified').map((s) => r.systems[s].message);
    if (!r.ok) this.#o.logger.error(`environment mapping wrong: ${problems.join('; ')}`, fields);
    else if (problems.length > 0) this.#o.logger.warn(`environment mapping not verified: ${problems.join('; ')}`, fields);
    else this.#o.logger.info('environment mapping verified', fields);
  }
}
