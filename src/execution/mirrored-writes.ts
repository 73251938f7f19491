import type { ApiCall, JsonObject } from '../core/api-call.ts';
import { isConfigurationMethod, isReadCall } from '../core/method-kinds.ts';
import { BUILT_IN_CONFIG_ENTITY_TYPES } from '../core/config-entity-types.ts';

/** Reply header saying which systems took a mirrored configuration write: `source,target`, `source` or `none`. */
export const MIRRORED_HEADER = 'x-webdispatcher-mirrored';

/**
 * Configuration services whose writes are never mirrored: system information (Generic, Env),
 * records that are customers on PortaBilling (resellers, distributors, representatives), each
 * system's own staff logins (User), money (TaxTransaction) and account devices (SIPDevice).
 * Customer and account services are not configuration at all.
 */
const NOT_MIRRORED: ReadonlySet<string> = new Set(['Generic', 'Env', 'Reseller', 'Distributor', 'Representative', 'User', 'TaxTransaction', 'SIPDevice']);

/** An add, update or delete of a shared configuration entity, by the REST or SOAP API. */
export function isMirroredConfigWrite(call: ApiCall): boolean {
  return call.style !== 'espf' && !call.portasip && isConfigurationMethod(call.service) && !NOT_MIRRORED.has(call.service) && !isReadCall(call);
}

const ID_FIELD_OF: ReadonlyMap<string, string> = new Map(BUILT_IN_CONFIG_ENTITY_TYPES.map((t) => [t.service, t.idField]));

/**
 * The params that make the target create what an `add_<entity>` created on the source, with the
 * same ID: the id the source answered, put into `<entity>_info`. Any other write goes unchanged
 * (it names its entity's id already). A string says why the add cannot be given the same ID.
 */
export function sameIdParams(call: ApiCall, sourceReply: string): JsonObject | undefined | string {
  if (!call.method.startsWith('add_')) return undefined;
  const infoKey = `${call.method.slice(4)}_info`;
  const info = call.params[infoKey];
  if (info === null || typeof info !== 'object' || Array.isArray(info)) return `the call carries no ${infoKey} to give the target the source's id`;
  let reply: unknown;
  try {
    reply = JSON.parse(sourceReply);
  } catch {
    return 'the source answered it with a body that is not JSON';
  }
  const answered = reply !== null && typeof reply === 'object' ? (reply as Record<string, unknown>) : {};
  // Built-in types name their id; any other PortaBilling add answers the new id as its one i_… field.
  const known = ID_FIELD_OF.get(call.service);
  const idFields = known !== undefined ? [known] : Object.keys(answered).filter((k) => /^i_[a-z0-9_]+$/.test(k) && Number.isSafeInteger(answered[k]));
  const idField = idFields.length === 1 ? idFields[0]! : undefined;
  const id = idField === undefined ? undefined : answered[idField];
  if (idField === undefined || typeof id !== 'number' || !Number.isSafeInteger(id)) return `the source's answer ${sourceReply.slice(0, 120)} names no single new id`;
  return { ...call.params, [infoKey]: { ...info, [idField]: id } };
}
