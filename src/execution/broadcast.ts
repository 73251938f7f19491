import type { Readable } from 'node:stream';
import type { ApiCall, SystemName } from '../core/api-call.ts';
import type { DispatcherSession } from '../sessions/session.ts';
import { ApiFault, dispatcherFault } from '../core/faults.ts';
import { backendPayload, singlePayload, type RawRequestBody } from './raw-request-body.ts';
import type { SystemCaller } from './system-call.ts';
import { isBodyPieces, type Reply } from '../core/reply.ts';

export interface BroadcastArgs {
  callSystem: SystemCaller;
  call: ApiCall;
  raw: RawRequestBody;
  session: DispatcherSession;
  systems: SystemName[];
}

function discard(body: Reply['body']): void {
  if (typeof body === 'string' || Buffer.isBuffer(body) || isBodyPieces(body)) return;
  const dump = (body as Readable & { dump?: () => Promise<void> }).dump;
  if (dump !== undefined) dump.call(body).catch(() => undefined);
  else body.resume();
}

function faultOf(reply: Reply, raw: RawRequestBody): ApiFault {
  const text = typeof reply.body === 'string' ? reply.body : '{}';
  if (raw.envelope !== undefined) {
    const f = raw.envelope.faultOf(text);
    return f === undefined ? dispatcherFault('backendUnavailable', `HTTP ${reply.status}`) : new ApiFault(f.faultcode, f.faultstring, { httpStatus: reply.status });
  }
  try {
    const j = JSON.parse(text) as { faultcode?: string; faultstring?: string };
    return new ApiFault(j.faultcode ?? 'Server.unknown', j.faultstring ?? `HTTP ${reply.status}`, { httpStatus: reply.status });
  } catch {
    return dispatcherFault('backendUnavailable', `HTTP ${reply.status}`);
  }
}

const isNotFound = (f: ApiFault) => /not_?found/i.test(f.faultcode);

/**
 * Sends a PortaSIP call to every system at once. The first success is the answer; a late second
 * reply is read and dropped. If all fail, the most specific fault wins: a refusal or validation
 * fault over "not found" (the system that does not hold the record) and over an outage. A call
 * forwarded in the client's format (SOAP) goes out in it, and the winning reply, success or
 * fault, reaches the client as its system wrote it.
 */
export async function broadcast(args: BroadcastArgs): Promise<Reply> {
  const systems = args.systems.filter((s) => args.session.backends[s] !== undefined);
  if (systems.length === 0) throw dispatcherFault('backendUnavailable', 'This session has no backend system');
  const payload = args.raw.envelope !== undefined ? singlePayload(args.call, args.raw) : backendPayload(args.call, args.raw);
  return new Promise<Reply>((resolve, reject) => {
    let pending = systems.length;
    let answered = false;
    const faults: Array<{ fault: ApiFault; reply?: Reply }> = [];
    const settle = () => {
      if (--pending > 0 || answered) return;
      const rank = (f: ApiFault) => (f.faultcode.startsWith('Server.Dispatcher.') ? 2 : isNotFound(f) ? 1 : 0);
      const best = [...faults].sort((a, b) => rank(a.fault) - rank(b.fault))[0]!;
      if (best.reply !== undefined && args.raw.envelope !== undefined) resolve({ ...best.reply, systems });
      else reject(best.fault);
    };
    for (const system of systems) {
      args.callSystem({ call: args.call, session: args.session, system, payload, plan: 'broadcast' }).then(
        (reply) => {
          if (reply.status === 200 && !answered) {
            answered = true;
            resolve({ ...reply, systems });
          } else {
            if (reply.status !== 200) {
              const fault = faultOf(reply, args.raw);
              faults.push(fault.faultcode.startsWith('Server.Dispatcher.') ? { fault } : { fault, reply });
            }
            discard(reply.body);
          }
          settle();
        },
        (err: unknown) => {
          faults.push({ fault: err instanceof ApiFault ? err : dispatcherFault('internal', String(err)) });
          settle();
        },
      );
    }
  });
}
