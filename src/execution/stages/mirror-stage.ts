import { SYSTEMS } from '../../core/api-call.ts';
import type { Logger } from '../../core/logger.ts';
import type { Metrics } from '../../core/metrics.ts';
import type { Reply } from '../../core/reply.ts';
import { ApiFault, dispatcherFault } from '../../core/faults.ts';
import type { CallStage } from '../pipeline.ts';
import { planOf, sessionOf } from '../pipeline.ts';
import type { SystemCaller } from '../system-call.ts';
import { backendBody, backendPayload, type BackendPayload } from '../raw-request-body.ts';
import { MIRRORED_HEADER, isMirroredConfigWrite, sameIdParams } from '../mirrored-writes.ts';

const withHeader = (reply: Reply, systems: string): Reply => ({ ...reply, headers: { ...reply.headers, [MIRRORED_HEADER]: systems } });

/** Why a reply failed, as `faultcode: faultstring`. */
function reasonOf(reply: Reply): string {
  try {
    const j = JSON.parse(typeof reply.body === 'string' ? reply.body : '') as { faultcode?: unknown; faultstring?: unknown };
    if (typeof j.faultcode === 'string') return `${j.faultcode}: ${typeof j.faultstring === 'string' ? j.faultstring : ''}`;
  } catch {
    // Not a fault body: the status says it.
  }
  return `HTTP ${reply.status}`;
}

/**
 * Mirrored configuration writes (`routing.mirrorConfigWrites`): an admin's add, update or delete
 * of a shared configuration entity, which would run in the session's context (or the i_env it
 * names), runs on the source and then on the target with the same ID. The reply is the source's,
 * with `x-webdispatcher-mirrored: source,target`. A source refusal comes back as it was (nothing
 * changed anywhere: `none`). A target refusal, after the source took the write, is the fault
 * `Server.Dispatcher.mirror_incomplete` naming the target and its reason (`source`): the systems
 * now differ, and the next drift report shows it. Customer and account data never come here.
 */
export function mirrorStage(callSystem: SystemCaller, metrics: Metrics, logger: Logger): CallStage {
  const outcome = (o: string) => metrics.inc('webdispatcher_mirrored_config_writes_total', 'Mirrored configuration writes, by outcome (both, refused_by_source, refused_by_target)', { outcome: o });
  return async (ctx, next) => {
    const plan = planOf(ctx);
    const { call, raw } = ctx;
    if (plan.kind !== 'single' || (plan.rule !== 'context' && plan.rule !== 'env-switch') || !isMirroredConfigWrite(call)) return next();
    const session = sessionOf(ctx);
    if (session.realm !== 'admin' || session.pinned !== undefined) return next();
    const what = `${call.service}/${call.method}`;
    const absent = SYSTEMS.filter((s) => session.backends[s] === undefined);
    if (absent.length > 0) {
      throw dispatcherFault('backendUnavailable', `Cannot mirror ${what}: this session has no ${absent.join(' or ')} session (it was unavailable at login), so nothing was changed; log in again`, { retryable: true });
    }
    const first = await callSystem({ call, session, system: 'source', payload: backendPayload(call, raw), plan: 'mirror', wantText: true });
    if (first.status !== 200) {
      outcome('refused_by_source');
      return withHeader(first, 'none');
    }
    const incomplete = (reason: string): Reply => {
      outcome('refused_by_target');
      logger.warn('mirrored configuration write refused by the target', { requestId: call.requestId, method: what, reason });
      const fault = dispatcherFault('mirrorIncomplete', `${what} was applied on the source, but the target system refused it: ${reason}. The two systems now differ (see GET /v1/drift)`);
      return { status: fault.httpStatus, headers: { 'content-type': 'application/json; charset=utf-8', [MIRRORED_HEADER]: 'source' }, body: JSON.stringify(fault.toJSON()), plan: 'mirror', systems: ['source', 'target'] };
    };
    // A file upload keeps its parts as the client framed them; an add is told the source's id.
    const sameId = raw.multipart === undefined && typeof first.body === 'string' ? sameIdParams(call, first.body) : undefined;
    if (typeof sameId === 'string') return incomplete(`it was not sent there: ${sameId}`);
    const payload: BackendPayload = sameId === undefined ? backendPayload(call, raw) : { body: backendBody(call, raw, sameId) };
    let second: Reply;
    try {
      second = await callSystem({ call, session, system: 'target', payload, plan: 'mirror', wantText: true });
    } catch (err) {
      return incomplete(err instanceof ApiFault ? `${err.faultcode}: ${err.faultstring}` : String(err));
    }
    if (second.status !== 200) return incomplete(reasonOf(second));
    outcome('both');
    return { ...withHeader(first, 'source,target'), systems: ['source', 'target'] };
  };
}
