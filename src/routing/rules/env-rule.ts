import { SYSTEMS } from '../../core/api-call.ts';
import type { Plan } from '../plan.ts';
import type { RouteInput } from '../route-input.ts';

/** Rule 6: an `i_env` equal to a system's environment switches the session's context there (sticky). */
export function envRule({ env, config }: RouteInput): Plan | undefined {
  if (env === undefined) return undefined;
  const system = SYSTEMS.find((s) => config.envs[s] === env);
  return system === undefined ? undefined : { kind: 'single', system, rule: 'env-switch', switchContext: true };
}
