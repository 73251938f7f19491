import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator } from '../../src/sim/simulator.ts';
import { baseType, buildDescription, isScalar, loadSimDescription, loadSimServiceSpecs } from '../../src/sim/description/description.ts';
import type { SimDescription, SimServiceSpec } from '../../src/sim/description/description.ts';
import { parseSimXml, simChild } from '../../src/sim/soap/sim-xml.ts';
import type { SimXmlElement } from '../../src/sim/soap/sim-xml.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { testConfig } from '../helpers/stack.ts';
import { firstDifference, requiredParams, startTwinnedStack, systemsThatServed } from '../helpers/twins.ts';
import type { ParamValue } from '../helpers/twins.ts';
import { postSoap, relatedParts, soapEnvelope, soapLogin } from '../helpers/soap-envelopes.ts';
import type { RawReply } from '../helpers/soap-envelopes.ts';

const ENV = 'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"';

/** The required params of a request type as typed rpc/encoded elements (ids 1). */
function paramsXml(d: SimDescription, typeName: string): string {
  return Object.entries(d.types.get(typeName)?.fields ?? {}).filter(([, f]) => f.required === true).map(([name, f]) => {
    if (f.type.endsWith('[]')) return `<${name}><item xsi:type="xsd:int">1</item></${name}>`;
    if (f.type === 'int') return `<${name} xsi:type="xsd:int">1</${name}>`;
    if (f.type === 'float') return `<${name} xsi:type="xsd:double">1.5</${name}>`;
    if (isScalar(f.type)) return `<${name} xsi:type="xsd:string">x</${name}>`;
    const id = Object.keys(d.types.get(f.type)?.fields ?? {}).find((k) => k.startsWith('i_'));
    return `<${name}>${id === undefined ? '' : `<${id} xsi:type="xsd:int">1</${id}>`}</${name}>`;
  }).join('');
}

/** Every element of a reply value is a field its declared type has (arrays: each item of the item type). */
function conforms(d: SimDescription, el: SimXmlElement, type: string, where: string): void {
  if (type.endsWith('[]')) {
    for (const item of el.children) conforms(d, item, baseType(type), `${where}/${item.localName}`);
    return;
  }
  if (isScalar(type)) {
    assert.equal(el.children.length, 0, `${where}: a ${type} has no child elements`);
    if (type === 'int' && el.text !== '') assert.match(el.text, /^-?\d+$/, `${where}: an int`);
    if (type === 'float' && el.text !== '') assert.ok(Number.isFinite(Number(el.text)), `${where}: a number`);
    return;
  }
  const fields = d.types.get(type)?.fields ?? {};
  for (const child of el.children) {
    const spec = fields[child.localName];
    assert.ok(spec, `${where}: ${child.localName} is declared by ${type}`);
    conforms(d, child, spec.type, `${where}/${child.localName}`);
  }
}

test('every described method answers over SOAP directly, and each generic reply conforms to its declared response type', async (t) => {
  const d = loadSimDescription();
  const sim = await createSimulator({ role: 'source', env: 3, customers: 20 });
  t.after(() => sim.close());
  const post = async (path: string, inner: string, header = ''): Promise<{ status: number; root: SimXmlElement; attachment?: string | undefined }> => {
    const res = await fetch(`${sim.urls.admin}${path}`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body: `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope ${ENV}>${header}<SOAP-ENV:Body>${inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>` });
    const type = res.headers.get('content-type') ?? '';
    const body = Buffer.from(await res.arrayBuffer());
    if (!type.startsWith('multipart/related')) return { status: res.status, root: parseSimXml(body.toString('utf8')) };
    // A download: the envelope is the root part, the file the attachment after it.
    const [root, file] = relatedParts(type, body);
    return { status: res.status, root: parseSimXml(root!.body.toString('utf8')), attachment: file!.headers['content-type'] };
  };
  const loginReply = await post('/soap/Session/login', `<login><login>${DEMO_ADMIN.login}</login><password>${DEMO_ADMIN.password}</password></login>`);
  const sid = simChild(simChild(simChild(simChild(loginReply.root, 'Body')!, 'loginResponse')!, 'LoginResponse')!, 'session_id')!.text;
  const header = `<SOAP-ENV:Header><auth_info><session_id>${sid}</session_id></auth_info></SOAP-ENV:Header>`;
  let generic = 0;
  let attachments = 0;
  for (const s of d.services.values()) {
    if (s.service === 'Session') continue;
    for (const [m, spec] of Object.entries(s.methods)) {
      const r = await post(`/soap/${s.service}/${m}`, `<${m}>${paramsXml(d, spec.request)}</${m}>`, header);
      const first = simChild(r.root, 'Body')!.children[0]!;
      if (r.status === 500) {
        assert.equal(first.localName, 'Fault', `${s.service}/${m}`);
        assert.ok(simChild(first, 'faultcode')?.text, `${s.service}/${m}: a faultcode`);
        assert.ok(spec.implemented === true, `${s.service}/${m} (generic) faulted: ${simChild(first, 'faultstring')?.text}`);
        continue;
      }
      assert.equal(r.status, 200, `${s.service}/${m}`);
      assert.equal(first.localName, `${m}Response`);
      if (spec.binary !== undefined && spec.binary.when === undefined) assert.equal(r.attachment, spec.binary.contentType, `${s.service}/${m}: the file comes as an attachment`);
      if (r.attachment !== undefined) attachments++;
      if (spec.implemented === true) continue;
      conforms(d, first.children[0]!, spec.response, `${s.service}/${m}`);
      generic++;
    }
  }
  assert.ok(generic >= 300, `${generic} generic replies checked`);
  assert.ok(attachments >= 2, `${attachments} downloads came as attachments`);
});

test('the WSDL of a service declares its structs with their full field lists from the description', async (t) => {
  const sim = await createSimulator({ role: 'source', env: 3, customers: 5 });
  t.after(() => sim.close());
  const wsdl = await (await fetch(`${sim.urls.admin}/wsdl/CustomerAdminService.wsdl`)).text();
  const d = loadSimDescription();
  const root = parseSimXml(wsdl);
  const schemas = simChild(root, 'types')!.children;
  const customerInfo = schemas.flatMap((s) => s.children).find((c) => c.attributes.get('name') === 'CustomerInfo');
  assert.ok(customerInfo, 'CustomerInfo declared');
  const declared = customerInfo.children[0]!.children.map((e) => e.attributes.get('name'));
  assert.deepEqual(declared, Object.keys(d.types.get('CustomerInfo')!.fields));
  assert.match(wsdl, /<operation name="get_callqueue_list">/, 'a generic method is an operation too');
});


/** Status, content type and body bytes equal: what "byte for byte" means for a reply. */
function sameReply(a: RawReply, b: RawReply): boolean {
  return a.status === b.status && a.type === b.type && a.body.equals(b.body);
}

/** The reply from its SOAP Body on (the envelope's namespace declarations say little), cut short. */
function bodyPart(r: RawReply): string {
  const text = r.body.toString('utf8');
  const at = text.indexOf('Body>');
  return JSON.stringify(text.slice(at < 0 ? 0 : at + 5, (at < 0 ? 0 : at + 5) + 240));
}

/**
 * The raw bytes of each top-level `<item>` of the array element `list` in a SOAP reply
 * (undefined when there is no such element). A small tag scanner: the replies are the
 * simulator's own, without comments or CDATA.
 */
function listItems(xml: string, list: string): string[] | undefined {
  const open = new RegExp(`<${list}[\\s>/]`).exec(xml);
  if (open === null) return undefined;
  const items: string[] = [];
  const tags = /<(\/?)([\w:.-]+)[^>]*?(\/?)>/g;
  tags.lastIndex = open.index;
  let depth = 0;
  let itemStart = -1;
  for (let m = tags.exec(xml); m !== null; m = tags.exec(xml)) {
    const [whole, closing, name, selfClosing] = m;
    if (closing === '' && selfClosing === '') {
      depth++;
      if (depth === 2 && name === 'item') itemStart = m.index;
    } else if (closing === '' && selfClosing === '/') {
      if (depth === 0) return items;
      if (depth === 1 && name === 'item') items.push(whole);
    } else {
      if (depth === 2 && name === 'item') items.push(xml.slice(itemStart, m.index + whole.length));
      depth--;
      if (depth === 0) return items;
    }
  }
  return items;
}

function totalOf(xml: string): number | undefined {
  const m = /<total[^>]*>(\d+)<\/total>/.exec(xml);
  return m === null ? undefined : Number(m[1]);
}

/**
 * A merged list against the direct replies it merges: its rows are the rows of both, each
 * byte for byte as its system encoded it (compared as multisets: the merge decides the order), and
 * its total is their sum. Undefined when it is so.
 */
function mergeDifference(d: SimDescription, responseType: string, through: RawReply, straight: RawReply[]): string | undefined {
  if (through.status !== 200 || straight.some((r) => r.status !== 200)) return `status ${through.status} through, ${straight.map((r) => r.status).join('/')} directly: ${bodyPart(through)}`;
  const lists = Object.entries(d.types.get(responseType)?.fields ?? {}).filter(([, f]) => f.type.endsWith('[]')).map(([name]) => name);
  for (const list of lists) {
    const got = listItems(through.body.toString('utf8'), list);
    const parts = straight.map((r) => listItems(r.body.toString('utf8'), list));
    if (got === undefined && parts.every((p) => p === undefined)) continue;
    const want = parts.flatMap((p) => p ?? []);
    const missing = want.filter((w) => !got?.includes(w));
    const extra = (got ?? []).filter((g) => !want.includes(g));
    if (missing.length > 0 || extra.length > 0 || got?.length !== want.length) {
      return `${list}: ${got?.length ?? 0} rows through, ${want.length} directly; ${missing.length} direct rows not found byte for byte, first row: ${firstDifference(extra[0] ?? '', missing[0] ?? '')}`;
    }
  }
  const totals = straight.map((r) => totalOf(r.body.toString('utf8')));
  if (totals.every((x) => x !== undefined) && totalOf(through.body.toString('utf8')) !== totals.reduce((a, b) => a! + b!, 0)) return `total ${String(totalOf(through.body.toString('utf8')))} through, ${totals.join('+')} directly`;
  return undefined;
}

function replyDifference(through: RawReply, straight: RawReply): string {
  if (through.status !== straight.status) return `status ${through.status} through, ${straight.status} directly: through ${bodyPart(through)} / directly ${bodyPart(straight)}`;
  if (through.type !== straight.type) return `content-type ${String(through.type)} through, ${String(straight.type)} directly`;
  return firstDifference(through.body, straight.body);
}

test('every described method, writes included, answers over SOAP through the dispatcher byte for byte as the system it went to answers it directly', async (t) => {
  // Why twins: a write changes the system it reaches, so the same write sent again to that
  // system would meet a different state (a second add gets the next id, a delete finds
  // nothing). Each stack simulator has a twin started with the same options; every call is
  // sent once through the dispatcher and once to the twin of each system the dispatcher sent
  // it to (the recorder in front of the stack simulators says which: a routing choice is
  // observed, never assumed), so the two sides hold equal state before every call. Each
  // method is walked twice: ids 1 (odd: source records) and ids 2 (even: target records), writes
  // naming no record carry the i_env of the pass in auth_info (routing.unroutableWrites refuses
  // them otherwise), so both systems are exercised. Compared: status, content type, body bytes.
  // A merged list is the dispatcher's composition of both systems' replies: each of its rows
  // must be a row of one direct reply byte for byte, and its total their sum; a broadcast goes to both systems and its first success is the answer,
  // so it must equal one of the two direct replies.
  const d = loadSimDescription();
  const stack = await startTwinnedStack(t);
  const merged = new Set(testConfig(stack.source, stack.target).routing.listMerge);
  const via = await soapLogin(stack.url('admin'), DEMO_ADMIN.login, DEMO_ADMIN.password);
  const direct = {
    source: await soapLogin(stack.twin.source.urls.admin, DEMO_ADMIN.login, DEMO_ADMIN.password),
    target: await soapLogin(stack.twin.target.urls.admin, DEMO_ADMIN.login, DEMO_ADMIN.password),
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
        const key = `${s.service}/${m} (ids ${pass.id})`;
        const params = requiredParams(d, spec.request, pass.id);
        const iEnv = m.startsWith('get_') ? {} : { i_env: pass.env };
        const mark = stack.arrivals.length;
        const through = await postSoap(stack.url('admin'), s.service, m, soapEnvelope(d, s.service, m, params, { session_id: via, ...iEnv }));
        const served = systemsThatServed(stack.arrivals.slice(mark), s.service, m);
        reached.set(served.join('+'), (reached.get(served.join('+')) ?? 0) + 1);
        if (served.length === 0) {
          failures.push(`${key}: reached no system; the dispatcher answered ${through.status} ${bodyPart(through)}`);
          continue;
        }
        const straight: RawReply[] = [];
        for (const sys of served) straight.push(await postSoap(stack.twin[sys].urls.admin, s.service, m, soapEnvelope(d, s.service, m, params, { session_id: direct[sys], ...iEnv })));
        if (merged.has(`${s.service}/${m}`)) {
          const difference = mergeDifference(d, spec.response, through, straight);
          if (difference !== undefined) failures.push(`${key} (merged from ${served.join('+')}): ${difference}`);
          mergedCompared++;
          continue;
        }
        compared++;
        if (!m.startsWith('get_') && through.status === 200) writesDone++;
        if (!straight.some((r) => sameReply(through, r))) failures.push(`${key} (sent to ${served.join('+')}): ${replyDifference(through, straight[0]!)}`);
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

/** Tariff gains a struct field and a method, on both systems (as a new PortaBilling release would). */
const greenTariffs = (services: SimServiceSpec[]): SimServiceSpec[] => {
  const tariff = services.find((s) => s.service === 'Tariff')!;
  tariff.types.TariffInfo!.fields.x_green_energy = { type: 'string' };
  tariff.types.GetTariffCarbonRequest = { fields: { i_tariff: { type: 'int', required: true } } };
  tariff.types.GetTariffCarbonResponse = { fields: { grams_per_minute: { type: 'float' }, success: { type: 'int' } } };
  tariff.methods.get_tariff_carbon = { request: 'GetTariffCarbonRequest', response: 'GetTariffCarbonResponse' };
  return services;
};

/** An envelope with its auth_info header taken out: the one part the dispatcher may change. */
const withoutAuthInfo = (envelope: string): string => envelope.replace(/<([\w.-]+:)?auth_info[\s>][\s\S]*?<\/([\w.-]+:)?auth_info>|<([\w.-]+:)?auth_info\/>/, '<auth_info/>');

test('a struct field and a method added to the simulator reach it through the dispatcher unchanged over SOAP: the envelope arrives as sent (but auth_info), the reply comes back as the system sent it', async (t) => {
  const d = buildDescription(greenTariffs(loadSimServiceSpecs()));
  const stack = await startTwinnedStack(t, { simOptions: { extendDescription: greenTariffs } });
  const via = await soapLogin(stack.url('admin'), DEMO_ADMIN.login, DEMO_ADMIN.password);
  const direct = await soapLogin(stack.twin.source.urls.admin, DEMO_ADMIN.login, DEMO_ADMIN.password);
  const env = stack.source.env;
  /** The call through the dispatcher and, on the source twin, directly; plus what the source received. */
  const both = async (method: string, params: Record<string, ParamValue>): Promise<{ through: RawReply; straight: RawReply; sent: string; received: string | undefined }> => {
    const sent = soapEnvelope(d, 'Tariff', method, params, { session_id: via, i_env: env });
    const mark = stack.arrivals.length;
    const through = await postSoap(stack.url('admin'), 'Tariff', method, sent);
    const received = stack.arrivals.slice(mark).find((a) => a.system === 'source' && a.body !== undefined && systemsThatServed([a], 'Tariff', method).length > 0)?.body;
    const straight = await postSoap(stack.twin.source.urls.admin, 'Tariff', method, soapEnvelope(d, 'Tariff', method, params, { session_id: direct, i_env: env }));
    return { through, straight, sent, received };
  };

  const added = await both('add_tariff', { tariff_info: { name: 'Green', iso_4217: 'EUR', x_green_energy: 'wind' } });
  assert.ok(added.received !== undefined, 'the source received add_tariff over SOAP');
  assert.match(added.received, /<x_green_energy xsi:type="xsd:string">wind<\/x_green_energy>/, 'the new field reached the backend');
  assert.equal(withoutAuthInfo(added.received), withoutAuthInfo(added.sent), 'the envelope reached the backend as the client framed it, auth_info aside');
  assert.equal(added.through.status, 200, added.through.body.toString('utf8'));
  assert.equal(added.through.body.toString('utf8'), added.straight.body.toString('utf8'));
  const iTariff = Number(/<i_tariff[^>]*>(\d+)</.exec(added.through.body.toString('utf8'))?.[1]);
  assert.ok(iTariff > 0, 'add_tariff answered the new id');

  const info = await both('get_tariff_info', { i_tariff: iTariff });
  assert.match(info.through.body.toString('utf8'), /<x_green_energy xsi:type="xsd:string">wind<\/x_green_energy>/, 'the field was stored and comes back');
  assert.equal(info.through.body.toString('utf8'), info.straight.body.toString('utf8'));

  const carbon = await both('get_tariff_carbon', { i_tariff: iTariff });
  assert.equal(carbon.through.status, 200, carbon.through.body.toString('utf8'));
  assert.match(carbon.through.body.toString('utf8'), /<ns1:get_tariff_carbonResponse>/);
  assert.equal(carbon.through.body.toString('utf8'), carbon.straight.body.toString('utf8'));
  assert.equal(withoutAuthInfo(carbon.received ?? ''), withoutAuthInfo(carbon.sent));

  const missing = await both('get_tariff_carbon', {});
  assert.equal(missing.through.status, 500);
  assert.match(missing.through.body.toString('utf8'), /<faultcode>Client.validation_error<\/faultcode>/, 'the new method validates its required field on the backend');
  assert.equal(missing.through.body.toString('utf8'), missing.straight.body.toString('utf8'), 'the fault comes back as the system sent it');
});
