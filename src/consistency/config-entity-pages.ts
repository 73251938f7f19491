import type { SystemName } from '../core/api-call.ts';
import type { ServiceClient } from '../backends/service-client.ts';
import { listMethodOf, type ConfigEntityType } from '../core/config-entity-types.ts';

/** One entity as a system listed it, with its id read out. */
export interface ConfigEntity {
  readonly id: number;
  readonly fields: Record<string, unknown>;
}

/** Lists longer than this are not configuration: a runaway paging is stopped rather than followed. */
const MAX_ROWS = 10_000_000;

/**
 * Pages through one system's list of a configuration entity type with the service login
 * (`limit`/`offset`), yielding one page at a time so a comparison holds one page per system, not
 * the list. Throws, naming the system and the method, when the system refuses the call or answers
 * something that is not that list.
 */
export async function* configEntityPages(service: ServiceClient, system: SystemName, type: ConfigEntityType, pageSize: number): AsyncGenerator<ConfigEntity[]> {
  const { path, key } = listMethodOf(type);
  let previous = '';
  for (let offset = 0; offset < MAX_ROWS; offset += pageSize) {
    let reply: Record<string, unknown>;
    try {
      reply = await service.ok(system, path, { limit: pageSize, offset });
    } catch (err) {
      // A refused call names the system already; a failed login or connection does not.
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(message.startsWith(`The ${system} system`) ? message : `The ${system} system could not be read (${path}): ${message}`, { cause: err });
    }
    const rows = reply[key];
    if (!Array.isArray(rows)) throw new Error(`The ${system} system answered ${path} without a ${key} list`);
    const page: ConfigEntity[] = [];
    for (const row of rows as unknown[]) {
      const id = (row as Record<string, unknown> | null)?.[type.idField];
      if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new Error(`The ${system} system listed a ${type.name} without an integer ${type.idField}: ${JSON.stringify(row).slice(0, 200)}`);
      page.push({ id, fields: row as Record<string, unknown> });
    }
    // A system that ignores offset would hand out the same page forever.
    const signature = page.length === 0 ? '' : `${page.length}:${page[0]!.id}:${page[page.length - 1]!.id}`;
    if (signature !== '' && signature === previous && page.length === pageSize) throw new Error(`The ${system} system ignores offset on ${path} (the same page came back twice)`);
    previous = signature;
    if (page.length > 0) yield page;
    // A page shorter than asked is the last one; a longer one means the system ignores limit and sent everything.
    if (page.length !== pageSize) return;
  }
  throw new Error(`The ${system} system listed more than ${MAX_ROWS} ${type.name} entities on ${path}`);
}
