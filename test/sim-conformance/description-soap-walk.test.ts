import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator } from '../../src/sim/simulator.ts';
import { baseType, isScalar, loadSimDescription } from '../../src/sim/description/description.ts';
import type { SimDescription } from '../../src/sim/description/description.ts';
import { parseSimXml, simChild } from '../../src/sim/soap/sim-xml.ts';
import type { SimXmlElement } from '../../src/sim/soap/sim-xml.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';

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
  const post = async (path: string, inner: string, header = ''): Promise<{ status: number; root: SimXmlElement }> => {
    const res = await fetch(`${sim.urls.admin}${path}`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body: `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope ${ENV}>${header}<SOAP-ENV:Body>${inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>` });
    return { status: res.status, root: parseSimXml(await res.text()) };
  };
  const loginReply = await post('/soap/Session/login', `<login><login>${DEMO_ADMIN.login}</login><password>${DEMO_ADMIN.password}</password></login>`);
  const sid = simChild(simChild(simChild(simChild(loginReply.root, 'Body')!, 'loginResponse')!, 'LoginResponse')!, 'session_id')!.text;
  const header = `<SOAP-ENV:Header><auth_info><session_id>${sid}</session_id></auth_info></SOAP-ENV:Header>`;
  let generic = 0;
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
      if (spec.implemented === true) continue;
      conforms(d, first.children[0]!, spec.response, `${s.service}/${m}`);
      generic++;
    }
  }
  assert.ok(generic >= 300, `${generic} generic replies checked`);
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

test('every described read answers over SOAP through the dispatcher byte for byte as directly', { todo: 'merged lists (get_customer_list, …) are the dispatcher\'s own answer over both systems, encoded from JSON, so their bytes differ from one system\'s; the walk must compare them with a merge of the direct replies (issue 16)' }, async (t) => {
  const { startStack } = await import('../helpers/stack.ts');
  const d = loadSimDescription();
  const stack = await startStack(t);
  const post = async (base: string, path: string, inner: string, header = ''): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body: `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope ${ENV}>${header}<SOAP-ENV:Body>${inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>` });
    return { status: res.status, text: await res.text() };
  };
  const sidOf = async (base: string): Promise<string> => {
    const r = await post(base, '/soap/Session/login', `<login><login>${DEMO_ADMIN.login}</login><password>${DEMO_ADMIN.password}</password></login>`);
    return /<session_id[^>]*>([^<]+)</.exec(r.text)?.[1] ?? '';
  };
  const hdr = (sid: string): string => `<SOAP-ENV:Header><auth_info><session_id>${sid}</session_id></auth_info></SOAP-ENV:Header>`;
  const direct = hdr(await sidOf(stack.source.urls.admin));
  const via = hdr(await sidOf(stack.url('admin')));
  for (const s of d.services.values()) {
    if (s.service === 'Session') continue;
    for (const [m, spec] of Object.entries(s.methods)) {
      if (!m.startsWith('get_') || spec.binary !== undefined) continue;
      const inner = `<${m}>${paramsXml(d, spec.request)}</${m}>`;
      const a = await post(stack.url('admin'), `/soap/${s.service}/${m}`, inner, via);
      const b = await post(stack.source.urls.admin, `/soap/${s.service}/${m}`, inner, direct);
      assert.equal(a.status, b.status, `${s.service}/${m}: ${a.text.slice(0, 300)}`);
      assert.equal(a.text, b.text, `${s.service}/${m}`);
    }
  }
});
