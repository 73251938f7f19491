import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mirrorStage } from './mirror-stage.ts';
import { MIRRORED_HEADER } from '../mirrored-writes.ts';
import { Metrics } from '../../core/metrics.ts';
import { ApiFault, dispatcherFault } from '../../core/faults.ts';
import type { ApiCall } from '../../core/api-call.ts';
import type { Plan } from '../../routing/plan.ts';
import type { Reply } from '../../core/reply.ts';
import type { CallContext } from '../pipeline.ts';
import type { SystemCall } from '../system-call.ts';
import type { RawRequestBody } from '../raw-request-body.ts';
import type { DispatcherSession } from '../../sessions/session.ts';
import { apiCall, jsonOk, recordingLogger, session } from '../../../test/helpers/stages.ts';

const CONTEXT: Plan = { kind: 'single', system: 'source', rule: 'context' };

/** A caller that answers each system from `answers` and notes what it was sent. */
function caller(answers: { source?: Reply | Error; target?: Reply | Error }) {
  const sent: SystemCall[] = [];
  const call = async (ctx: SystemCall): Promise<Reply> => {
    sent.push(ctx);
    const a = answers[ctx.system] ?? jsonOk({});
    if (a instanceof Error) throw a;
    return a;
  };
  return { call, sent };
}

function outcomes(metrics: Metrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics.render().matchAll(/^webdispatcher_mirrored_config_writes_total\{outcome="(\w+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

function setup(answers: Parameters<typeof caller>[0], o: { call?: Partial<ApiCall>; plan?: Plan; session?: DispatcherSession; raw?: RawRequestBody } = {}) {
  const metrics = new Metrics();
  const logger = recordingLogger();
  const c = caller(answers);
  const stage = mirrorStage(c.call, metrics, logger);
  const ctx: CallContext = {
    call: apiCall({ service: 'Product', method: 'update_product', params: { product_info: { i_product: 3, name: 'P' } }, ...o.call }),
    raw: o.raw ?? {}, session: o.session ?? session(), plan: o.plan ?? CONTEXT,
  };
  let forwarded = 0;
  const run = () => stage(ctx, async () => { forwarded++; return jsonOk({ forwarded: 1 }); });
  return { run, sent: c.sent, metrics, logger, forwarded: () => forwarded };
}

test('a configuration write in the session\'s context runs on the source, then on the target, and answers the source\'s reply', async () => {
  const sourceReply = jsonOk({ success: 1, from: 'source' });
  for (const plan of [CONTEXT, { kind: 'single', system: 'target', rule: 'env-switch', switchContext: true } as Plan]) {
    const t = setup({ source: sourceReply, target: jsonOk({ success: 1, from: 'target' }) }, { plan });
    const reply = await t.run();
    assert.equal(reply.body, sourceReply.body);
    assert.equal(reply.headers[MIRRORED_HEADER], 'source,target');
    assert.deepEqual(reply.systems, ['source', 'target']);
    assert.deepEqual(t.sent.map((s) => [s.system, s.plan, s.wantText, JSON.parse(s.payload.body as string).params.product_info.i_product]), [['source', 'mirror', true, 3], ['target', 'mirror', true, 3]]);
    assert.equal(t.forwarded(), 0);
    assert.deepEqual(outcomes(t.metrics), { both: 1 });
  }
});

test('an add is sent to the target with the id the source gave it', async () => {
  const t = setup({ source: jsonOk({ i_product: 77 }) }, { call: { method: 'add_product', params: { product_info: { name: 'New' } } } });
  await t.run();
  assert.deepEqual(JSON.parse(t.sent[1]!.payload.body as string), { params: { product_info: { name: 'New', i_product: 77 } } });
});

test('an add that cannot be given the source\'s id is not sent to the target: mirror_incomplete', async () => {
  const t = setup({ source: jsonOk({ success: 1 }) }, { call: { method: 'add_product', params: { product_info: { name: 'New' } } } });
  const reply = await t.run();
  assert.equal(t.sent.length, 1);
  assert.equal(reply.status, 500);
  assert.equal(reply.headers[MIRRORED_HEADER], 'source');
  const body = JSON.parse(reply.body as string) as { faultcode: string; faultstring: string };
  assert.equal(body.faultcode, 'Server.Dispatcher.mirror_incomplete');
  assert.match(body.faultstring, /^Product\/add_product was applied on the source, but the target system refused it: it was not sent there: the source's answer .* names no single new id\. The two systems now differ \(see GET \/v1\/drift\)$/);
});

test('a source refusal comes back as it was, nothing mirrored', async () => {
  const refusal = jsonOk({ faultcode: 'Server.Product.x', faultstring: 'no' }, 500);
  const t = setup({ source: refusal });
  const reply = await t.run();
  assert.equal(reply.body, refusal.body);
  assert.equal(reply.status, 500);
  assert.equal(reply.headers[MIRRORED_HEADER], 'none');
  assert.equal(t.sent.length, 1);
  assert.deepEqual(outcomes(t.metrics), { refused_by_source: 1 });
});

test('a target refusal after the source took the write is mirror_incomplete, naming the target\'s reason, and logged', async () => {
  const cases: Array<[Reply | Error, string]> = [
    [jsonOk({ faultcode: 'Server.Product.dup', faultstring: 'duplicate name' }, 500), 'Server.Product.dup: duplicate name'],
    [jsonOk({ faultcode: 'Server.Product.dup' }, 500), 'Server.Product.dup: '],
    [jsonOk('<html>bad gateway</html>', 502), 'HTTP 502'],
    [jsonOk({ error: 'no faultcode' }, 504), 'HTTP 504'],
    [{ ...jsonOk({}, 503), body: Buffer.from('{"faultcode":"x"}') }, 'HTTP 503'],
    [dispatcherFault('backendUnavailable', 'The target system is unreachable'), 'Server.Dispatcher.backend_unavailable: The target system is unreachable'],
    [new Error('socket hang up'), 'Error: socket hang up'],
  ];
  for (const [answer, reason] of cases) {
    const t = setup({ target: answer }, { call: { requestId: 'req-m' } });
    const reply = await t.run();
    assert.equal(reply.status, 500, reason);
    assert.equal(reply.headers[MIRRORED_HEADER], 'source');
    assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(reply.systems, ['source', 'target']);
    assert.equal(reply.plan, 'mirror');
    assert.equal((JSON.parse(reply.body as string) as { faultstring: string }).faultstring,
      `Product/update_product was applied on the source, but the target system refused it: ${reason}. The two systems now differ (see GET /v1/drift)`);
    assert.deepEqual(outcomes(t.metrics), { refused_by_target: 1 });
    assert.deepEqual(t.logger.lines, [{ level: 'warn', msg: 'mirrored configuration write refused by the target', fields: { requestId: 'req-m', method: 'Product/update_product', reason } }]);
  }
});

test('a session without one of the systems mirrors nothing and says to log in again', async () => {
  for (const [backends, missing] of [[{ source: session().backends.source! }, 'target'], [{ target: session().backends.target! }, 'source'], [{}, 'source or target']] as const) {
    const t = setup({}, { session: session({ backends }) });
    await assert.rejects(t.run(), (e: unknown) => e instanceof ApiFault && e.faultcode === 'Server.Dispatcher.backend_unavailable' && e.retryable === true &&
      e.faultstring === `Cannot mirror Product/update_product: this session has no ${missing} session (it was unavailable at login), so nothing was changed; log in again`);
    assert.equal(t.sent.length, 0);
  }
});

test('what is not an admin\'s configuration write in the context goes on unmirrored', async () => {
  const cases: Array<Parameters<typeof setup>[1]> = [
    { plan: { kind: 'single', system: 'target', rule: 'locator', iCustomer: 4 } },
    { plan: { kind: 'broadcast', systems: ['source', 'target'] } },
    { call: { method: 'get_product_info' } },
    { call: { service: 'Customer', method: 'update_customer' } },
    { session: session({ realm: 'reseller' }) },
    { session: session({ pinned: 'source' }) },
  ];
  for (const c of cases) {
    const t = setup({}, c);
    assert.equal(JSON.parse((await t.run()).body as string).forwarded, 1, JSON.stringify(c));
    assert.equal(t.sent.length, 0);
  }
});

test('a file upload keeps its parts on both systems', async () => {
  const multipart = { contentType: 'multipart/form-data; boundary=b', body: Buffer.from('--b--') };
  const t = setup({}, { raw: { multipart } });
  await t.run();
  assert.deepEqual(t.sent.map((s) => [s.payload.body, s.payload.contentType]), [[multipart.body, multipart.contentType], [multipart.body, multipart.contentType]]);
  // An add uploaded as multipart too: the target gets the parts, not a JSON body with the source's id.
  const add = setup({ source: jsonOk({ i_product: 78 }) }, { raw: { multipart }, call: { method: 'add_product', params: { product_info: { name: 'N' } } } });
  await add.run();
  assert.equal(add.sent[1]!.payload.body, multipart.body);
});
