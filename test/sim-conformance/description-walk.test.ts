import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSimDescription, isScalar } from '../../src/sim/description/description.ts';
import type { SimDescription } from '../../src/sim/description/description.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { call, login, startStack, testConfig } from '../helpers/stack.ts';
import { firstDifference, requiredParams, startTwinnedStack, systemsThatServed } from '../helpers/twins.ts';

type Json = Record<string, unknown>;

/** Params with every required field of the request type filled (ids 1, an entity struct with its id). */
function paramsFor(d: SimDescription, typeName: string): Json {
  const out: Json = {};
  for (const [f, spec] of Object.entries(d.types.get(typeName)?.fields ?? {})) {
    if (spec.required !== true) continue;
    if (spec.type.endsWith('[]')) out[f] = [1];
    else if (spec.type === 'int') out[f] = 1;
    else if (spec.type === 'float') out[f] = 1.5;
    else if (isScalar(spec.type)) out[f] = 'x';
    else {
      const idField = Object.keys(d.types.get(spec.type)?.fields ?? {}).find((k) => k.startsWith('i_'));
      out[f] = idField === undefined ? {} : { [idField]: 1 };
    }
  }
  return out;
}

function walkable(d: SimDescription): Array<{ key: string; generic: boolean; params: Json; read: boolean }> {
  return [...d.services.values()].filter((s) => s.service !== 'Session').flatMap((s) => Object.entries(s.methods).map(([m, spec]) => ({
    key: `${s.service}/${m}`, generic: spec.implemented !== true, params: paramsFor(d, spec.request), read: m.startsWith('get_'),
  })));
}

function wellFormed(key: string, r: { status: number; json: Json }): void {
  if (r.status === 200) return;
  assert.equal(r.status, 500, `${key}: ${r.status}`);
  assert.equal(typeof r.json.faultcode, 'string', `${key}: a fault`);
  assert.equal(typeof r.json.faultstring, 'string', `${key}: a fault`);
}

test('every described method answers directly in REST: generic ones with 200, implemented ones well formed', async (t) => {
  const d = loadSimDescription();
  const stack = await startStack(t);
  const token = await login(stack.source.urls.admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  let generic = 0;
  for (const m of walkable(d)) {
    const r = await call(stack.source.urls.admin, m.key, m.params, token);
    wellFormed(m.key, r);
    if (m.generic) {
      assert.equal(r.status, 200, `${m.key}: ${JSON.stringify(r.json).slice(0, 300)}`);
      generic++;
    }
  }
  assert.ok(generic >= 300, `${generic} generic methods walked`);
});

test('every described read answers the same through the dispatcher as directly (JSON-equal), and writes get through', async (t) => {
  const d = loadSimDescription();
  const stack = await startStack(t);
  const direct = await login(stack.source.urls.admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const via = await login(stack.url('admin'), DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  let compared = 0;
  for (const m of walkable(d).filter((x) => x.generic)) {
    // A write that names no customer or account needs the system chosen (routing.unroutableWrites).
    const through = await call(stack.url('admin'), m.key, m.read ? m.params : { ...m.params, i_env: stack.source.env }, via);
    assert.equal(through.status, 200, `${m.key} through the dispatcher: ${JSON.stringify(through.json).slice(0, 300)}`);
    if (!m.read) continue;
    const straight = await call(stack.source.urls.admin, m.key, m.params, direct);
    assert.deepEqual(through.json, straight.json, m.key);
    compared++;
  }
  assert.ok(compared >= 100, `${compared} reads compared`);
});

test('a bad request to a generic method is a PortaBilling fault and changes nothing', async (t) => {
  const stack = await startStack(t);
  const token = await login(stack.source.urls.admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const before = await call(stack.source.urls.admin, 'Tariff/get_tariff_list', { get_total: 1 }, token);
  for (const params of [{}, { tariff_info: { name: 5, i_tariff: 'x' } }, { tariff_info: 'nope' }]) {
    const r = await call(stack.source.urls.admin, 'Tariff/add_tariff', params, token);
    assert.equal(r.status, 500, JSON.stringify(params));
    assert.equal(r.json.faultcode, 'Client.validation_error');
  }
  const after = await call(stack.source.urls.admin, 'Tariff/get_tariff_list', { get_total: 1 }, token);
  assert.deepEqual(after.json, before.json);
  const added = await call(stack.source.urls.admin, 'Tariff/add_tariff', { tariff_info: { name: 'Night', iso_4217: 'EUR', undeclared: 1 } }, token);
  assert.equal(added.status, 200);
  const info = await call(stack.source.urls.admin, 'Tariff/get_tariff_info', { i_tariff: added.json.i_tariff }, token);
  assert.deepEqual(info.json, { tariff_info: { name: 'Night', iso_4217: 'EUR', i_tariff: added.json.i_tariff } });
});

test('a struct field and a method added to the simulator\'s description reach it through the dispatcher unchanged (REST)', async (t) => {
  const stack = await startStack(t, {
    simOptions: {
      extendDescription: (services) => {
        const tariff = services.find((s) => s.service === 'Tariff')!;
        tariff.types.TariffInfo!.fields.x_green_energy = { type: 'string' };
        tariff.types.GetTariffCarbonRequest = { fields: { i_tariff: { type: 'int', required: true } } };
        tariff.types.GetTariffCarbonResponse = { fields: { grams_per_minute: { type: 'float' }, success: { type: 'int' } } };
        tariff.methods.get_tariff_carbon = { request: 'GetTariffCarbonRequest', response: 'GetTariffCarbonResponse' };
        return services;
      },
    },
  });
  const via = await login(stack.url('admin'), DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const added = await call(stack.url('admin'), 'Tariff/add_tariff', { tariff_info: { name: 'Green', x_green_energy: 'wind' }, i_env: stack.source.env }, via);
  assert.equal(added.status, 200, JSON.stringify(added.json));
  const info = await call(stack.url('admin'), 'Tariff/get_tariff_info', { i_tariff: added.json.i_tariff, i_env: stack.source.env }, via);
  assert.equal((info.json.tariff_info as Json).x_green_energy, 'wind', 'the new field is stored and returned');
  const carbon = await call(stack.url('admin'), 'Tariff/get_tariff_carbon', { i_tariff: 1 }, via);
  assert.equal(carbon.status, 200, JSON.stringify(carbon.json));
  assert.deepEqual(Object.keys(carbon.json).sort(), ['grams_per_minute', 'success']);
  const missing = await call(stack.url('admin'), 'Tariff/get_tariff_carbon', {}, via);
  assert.equal(missing.json.faultcode, 'Client.validation_error', 'the new method validates its required field');
  const doc = await (await fetch(`${stack.url('admin')}/doc/api/TariffInterface.json`)).json() as { methods: { name: string }[] };
  assert.ok(doc.methods.some((m) => m.name === 'get_tariff_carbon'), 'the description served through the dispatcher lists it');
});

/** A REST reply: JSON parsed when it is JSON, else the bytes (a download). */
interface RestReply { status: number; type: string | null; json?: unknown; bytes?: Buffer }

async function restCall(base: string, serviceMethod: string, params: unknown, token: string): Promise<RestReply> {
  const res = await fetch(`${base}/rest/${serviceMethod}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ params }) });
  const type = res.headers.get('content-type');
  const bytes = Buffer.from(await res.arrayBuffer());
  if (type?.includes('json') === true) return { status: res.status, type, json: JSON.parse(bytes.toString('utf8')) as unknown };
  return { status: res.status, type, bytes };
}

function restDifference(through: RestReply, straight: RestReply): string | undefined {
  const show = (r: RestReply): string => (r.json === undefined ? `${r.bytes?.length ?? 0} bytes` : JSON.stringify(r.json).slice(0, 240));
  if (through.status !== straight.status) return `status ${through.status} through, ${straight.status} directly: ${show(through)} / ${show(straight)}`;
  if (through.json !== undefined || straight.json !== undefined) {
    try {
      assert.deepEqual(through.json, straight.json);
      return undefined;
    } catch {
      return `JSON differs: through ${show(through)} / directly ${show(straight)}`;
    }
  }
  if (through.type !== straight.type) return `content-type ${String(through.type)} through, ${String(straight.type)} directly`;
  return through.bytes!.equals(straight.bytes!) ? undefined : firstDifference(through.bytes!, straight.bytes!);
}

/** A merged list against the replies it merges: the rows of both (as multisets: the merge decides the order) and the sum of their totals. */
function mergeDifference(d: SimDescription, responseType: string, through: RestReply, straight: RestReply[]): string | undefined {
  if (through.status !== 200 || straight.some((r) => r.status !== 200)) return `status ${through.status} through, ${straight.map((r) => r.status).join('/')} directly`;
  const got = through.json as Json;
  const parts = straight.map((r) => r.json as Json);
  for (const [field, spec] of Object.entries(d.types.get(responseType)?.fields ?? {})) {
    if (spec.type.endsWith('[]')) {
      const rows = (j: Json): string[] => ((j[field] as unknown[] | undefined) ?? []).map((r) => JSON.stringify(r)).sort();
      const want = parts.flatMap(rows).sort();
      const have = rows(got);
      if (JSON.stringify(have) !== JSON.stringify(want)) return `${field}: ${have.length} rows through, ${want.length} directly; first through not direct: ${have.find((h) => !want.includes(h))?.slice(0, 200) ?? '-'}`;
    }
  }
  if (parts.every((p) => typeof p.total === 'number') && got.total !== parts.reduce((a, p) => a + (p.total as number), 0)) return `total ${String(got.total)} through, ${parts.map((p) => String(p.total)).join('+')} directly`;
  return undefined;
}

test('every described method, writes included, answers through the dispatcher as the system it went to answers it directly (JSON-equal; downloads byte-equal)', async (t) => {
  // Twins, as in the SOAP walk (description-soap-walk.test.ts): a write sent twice to one system
  // meets a different state the second time, so each call goes once through the dispatcher and
  // once to the twin of every system the recorder saw it reach; both sides hold equal state
  // before each call. Two passes: ids 1 (source records) and ids 2 (target records); writes carry
  // the pass's i_env in params (routing.unroutableWrites refuses a write naming no record).
  // A merged list must hold the rows of both direct replies (JSON-equal, in any order) and
  // their summed total; a broadcast's first success is its answer, so it must equal one of the direct replies.
  const d = loadSimDescription();
  const stack = await startTwinnedStack(t);
  const merged = new Set(testConfig(stack.source, stack.target).routing.listMerge);
  const via = await login(stack.url('admin'), DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const direct = {
    source: await login(stack.twin.source.urls.admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password }),
    target: await login(stack.twin.target.urls.admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password }),
  };
  const failures: string[] = [];
  let compared = 0;
  const reached = new Map<string, number>();
  let writesDone = 0;
  let mergedCompared = 0;
  for (const pass of [{ id: 1, env: stack.source.env }, { id: 2, env: stack.target.env }]) {
    for (const s of d.services.values()) {
      if (s.service === 'Session') continue;
      for (const [m, spec] of Object.entries(s.methods)) {
        const key = `${s.service}/${m}`;
        const params = { ...requiredParams(d, spec.request, pass.id), ...(m.startsWith('get_') ? {} : { i_env: pass.env }) };
        const mark = stack.arrivals.length;
        const through = await restCall(stack.url('admin'), key, params, via);
        const served = systemsThatServed(stack.arrivals.slice(mark), s.service, m);
        reached.set(served.join('+'), (reached.get(served.join('+')) ?? 0) + 1);
        if (served.length === 0) {
          failures.push(`${key} (ids ${pass.id}): reached no system; the dispatcher answered ${through.status} ${JSON.stringify(through.json).slice(0, 240)}`);
          continue;
        }
        const straight: RestReply[] = [];
        for (const sys of served) straight.push(await restCall(stack.twin[sys].urls.admin, key, params, direct[sys]));
        if (merged.has(key)) {
          const difference = mergeDifference(d, spec.response, through, straight);
          if (difference !== undefined) failures.push(`${key} (ids ${pass.id}, merged from ${served.join('+')}): ${difference}`);
          mergedCompared++;
          continue;
        }
        compared++;
        if (!m.startsWith('get_') && through.status === 200) writesDone++;
        const differences = straight.map((r) => restDifference(through, r));
        if (!differences.includes(undefined)) failures.push(`${key} (ids ${pass.id}, sent to ${served.join('+')}): ${differences[0]!}`);
      }
    }
  }
  t.diagnostic(`calls by the systems they reached: ${JSON.stringify(Object.fromEntries(reached))}; writes that succeeded: ${writesDone}`);
  assert.ok(writesDone >= 300, 'writes are walked, not only refused');
  assert.ok(compared >= 900, `${compared} calls compared`);
  assert.ok(mergedCompared >= 2, 'the merged lists are compared too');
  assert.ok((reached.get('target') ?? 0) >= 200, 'the target is walked too');
  assert.equal(failures.length, 0, `${failures.length} of ${compared} calls differ:\n${failures.slice(0, 40).join('\n')}`);
});
