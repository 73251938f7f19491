import type { JsonObject } from '../../core/api-call.ts';
import { ApiFault } from '../../core/faults.ts';
import type { FieldKind } from '../model/records.ts';
import type { SimCallContext, SimHandlerTable } from './sim-context.ts';
import { likeMatcher, optInt, optString, paging, reqInt, reqObject } from './params.ts';
import { validatePatch } from './record-patch.ts';
import { simFault } from './sim-faults.ts';

/**
 * One configuration entity type as an admin manages it on one PortaBilling system:
 * `<Service>/get_<entity>_list` (paged with limit/offset, `get_total`, a `name` pattern),
 * `get_<entity>_info`, `add_<entity>`, `update_<entity>` (`<entity>_info`) and `delete_<entity>`
 * (the id). Each system keeps its own copy: a change made on one system is not seen on the other,
 * which is how configuration drift comes about.
 */
export interface ConfigEntitySpec {
  service: string;
  /** `product` → get_product_list, product_list, product_info, add_product… */
  entity: string;
  idField: string;
  entities: Map<number, JsonObject>;
  writable: Readonly<Record<string, FieldKind>>;
  /** Fields `add_<entity>` needs. */
  required: readonly string[];
  /** Values of a new entity the add did not give. */
  defaults?: JsonObject;
  /** What the list and info methods show of an entity (default: as stored). */
  view?: (entity: JsonObject) => JsonObject;
  /** Checks the ids an entity refers to (throws a validation fault). */
  checkReferences?: (fields: JsonObject) => void;
  /** False: the list method is registered by the caller (it answers more than this type). */
  registerList?: boolean;
}

function notFound(spec: ConfigEntitySpec, id: number): ApiFault {
  return new ApiFault(`Server.${spec.service}.${spec.entity}_not_found`, `${spec.service} not found: ${spec.idField} ${id}`);
}

function staffOnly(ctx: SimCallContext, spec: ConfigEntitySpec): void {
  if (ctx.user.realm !== 'admin') throw simFault('permissionDenied', `The ${ctx.realm} realm cannot change ${spec.service} configuration`);
}

/** The list reply of `get_<entity>_list`: a page of entities in the order they were created. */
export function listConfigEntities(spec: ConfigEntitySpec, params: JsonObject): JsonObject {
  const { limit, offset, getTotal } = paging(params);
  const pattern = optString(params, 'name');
  const view = spec.view ?? ((e: JsonObject) => e);
  let all = [...spec.entities.values()];
  if (pattern !== undefined) {
    const matches = likeMatcher(pattern);
    all = all.filter((e) => typeof e.name === 'string' && matches(e.name));
  }
  const page = all.slice(offset, limit === undefined ? undefined : offset + limit).map(view);
  const reply: JsonObject = { [`${spec.entity}_list`]: page };
  if (getTotal) reply.total = all.length;
  return reply;
}

export function registerConfigEntityService(table: SimHandlerTable, spec: ConfigEntitySpec): void {
  const { service, entity, idField, entities } = spec;
  const view = spec.view ?? ((e: JsonObject) => e);
  if (spec.registerList !== false) table.set(`${service}/get_${entity}_list`, (_ctx, params) => listConfigEntities(spec, params));

  table.set(`${service}/get_${entity}_info`, (_ctx, params) => {
    const id = reqInt(params, idField);
    const e = entities.get(id);
    if (e === undefined) throw notFound(spec, id);
    return { [`${entity}_info`]: view(e) };
  });

  table.set(`${service}/add_${entity}`, (ctx, params) => {
    staffOnly(ctx, spec);
    const info = reqObject(params, `${entity}_info`);
    const fields = validatePatch(info, spec.writable);
    for (const f of spec.required) if (fields[f] === undefined) throw simFault('validation', `${entity}_info.${f} is required`);
    spec.checkReferences?.(fields);
    // An explicit id keeps the entity's ID the same on both systems (a mirrored add); without
    // one the system picks the next free id, as PortaBilling does.
    const given = optInt(info, idField);
    if (given !== undefined && given <= 0) throw simFault('validation', `${idField} must be a positive integer, got ${given}`);
    if (given !== undefined && entities.has(given)) throw new ApiFault(`Server.${service}.duplicate_entry`, `${service} ${idField} ${given} already exists`);
    let id = given;
    if (id === undefined) {
      id = 1;
      for (const k of entities.keys()) if (k >= id) id = k + 1;
    }
    entities.set(id, { [idField]: id, ...spec.defaults, ...fields });
    return { [idField]: id };
  });

  table.set(`${service}/update_${entity}`, (ctx, params) => {
    staffOnly(ctx, spec);
    const info = reqObject(params, `${entity}_info`);
    const id = reqInt(info, idField);
    const e = entities.get(id);
    if (e === undefined) throw notFound(spec, id);
    const fields = validatePatch(info, spec.writable);
    spec.checkReferences?.(fields);
    entities.set(id, { ...e, ...fields });
    return { [idField]: id };
  });

  table.set(`${service}/delete_${entity}`, (ctx, params) => {
    staffOnly(ctx, spec);
    const id = reqInt(params, idField);
    if (!entities.delete(id)) throw notFound(spec, id);
    return { success: 1 };
  });
}
