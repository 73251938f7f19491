import type { Plan } from '../plan.ts';
import type { RouteInput } from '../route-input.ts';

/** Rule 4: list methods configured for merging run on both systems. */
export function mergeRule({ call, session, config }: RouteInput): Plan | undefined {
  if (!config.listMerge.has(`${call.service}/${call.method}`)) return undefined;
  return { kind: 'merge', systems: session?.available ?? [], paging: config.paging };
}
