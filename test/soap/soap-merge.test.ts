import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_ADMIN, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';
import { loadSimDescription } from '../../src/sim/description/description.ts';
import { decodeSoapReply } from '../../src/soap/soap-reply.ts';
import { migrate } from '../helpers/stack.ts';
import { startTwinnedStack, type TwinnedStack } from '../helpers/twins.ts';
import { postSoap, soapEnvelope, soapLogin, type RawReply } from '../helpers/soap-envelopes.ts';
import { setFaults } from '../dispatcher/support.ts';

// Merged lists over SOAP (issue 16): the dispatcher sends the client's envelope to both systems
// and joins their replies' rows as each system wrote them.

const d = loadSimDescription();
const MISSING = 'x-webdispatcher-missing-system';

type Row = { i_customer: number; i_env: number; migration_status?: string };

/** The top-level items of customer_list, as bytes (the simulator writes no comments or CDATA). */
function items(r: RawReply): string[] {
  const xml = r.body.toString('utf8');
  return xml.match(/<item xsi:type="SOAP-ENC:Struct">.*?<\/item>/g) ?? [];
}

function decoded(r: RawReply): { customer_list: Row[]; total?: number } {
  return decodeSoapReply(r.body) as unknown as { customer_list: Row[]; total?: number };
}

/** What each system was sent for the list (SOAP bodies, or REST paths when it went as JSON). */
function listRequests(stack: TwinnedStack, from: number): Array<{ path: string; body?: string }> {
  return stack.arrivals.slice(from).filter((a) => a.path.includes('get_customer_list') || (a.body ?? '').includes('get_customer_list'));
}

async function list(stack: TwinnedStack, sid: string, params: Record<string, number>): Promise<RawReply> {
  return postSoap(stack.url('admin'), 'Customer', 'get_customer_list', soapEnvelope(d, 'Customer', 'get_customer_list', params, { session_id: sid }));
}

test('a merged SOAP list lists a moved customer once, from where it lives, each row as its system wrote it, the total summed', async (t) => {
  const stack = await startTwinnedStack(t, { sourceCustomers: 30, targetCustomers: 6 });
  await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
  const sid = await soapLogin(stack.url('admin'), DEMO_ADMIN.login, DEMO_ADMIN.password);
  const mark = stack.arrivals.length;
  const through = await list(stack, sid, { limit: 100, get_total: 1 });
  assert.equal(through.status, 200, through.body.toString().slice(0, 300));
  assert.match(String(through.type), /text\/xml/);

  const sent = listRequests(stack, mark);
  assert.equal(sent.length, 2, 'both systems asked');
  for (const s of sent) {
    assert.ok(s.body !== undefined, `${s.path}: sent as SOAP`);
    assert.match(s.body, /<skip_exported [^>]*xsi:type="xsd:int">1<\/skip_exported>/, 'the merge asks each system to leave moved-away copies out');
  }

  // The same list straight from each system (with skip_exported, as the dispatcher asked).
  const straight = await Promise.all((['source', 'target'] as const).map(async (sys) => {
    const direct = await soapLogin(stack[sys].urls.admin, DEMO_ADMIN.login, DEMO_ADMIN.password);
    return postSoap(stack[sys].urls.admin, 'Customer', 'get_customer_list', soapEnvelope(d, 'Customer', 'get_customer_list', { limit: 100, get_total: 1, skip_exported: 1 }, { session_id: direct }));
  }));
  const want = straight.flatMap(items);
  assert.deepEqual([...items(through)].sort(), [...want].sort(), 'the rows of both systems, byte for byte');
  const rows = decoded(through).customer_list;
  assert.equal(rows.length, 30 + 6);
  const john = rows.filter((r) => r.i_customer === DEMO_CUSTOMER.iCustomer);
  assert.equal(john.length, 1, 'the moved customer once');
  assert.equal(john[0]!.i_env, 8, 'from the target');
  assert.equal(decoded(through).total, 36, 'the total of both, without the moved-away copy');
  assert.match(through.body.toString(), /SOAP-ENC:arrayType="SOAP-ENC:Struct\[36\]"/, 'the array states its row count');
});

test('exact paging over SOAP: each system is asked from offset 0 for offset+limit rows, and the page is cut from the global order', async (t) => {
  const stack = await startTwinnedStack(t, { sourceCustomers: 20, targetCustomers: 6, config: { routing: { paging: 'exact' } } });
  const sid = await soapLogin(stack.url('admin'), DEMO_ADMIN.login, DEMO_ADMIN.password);
  const mark = stack.arrivals.length;
  const r = await list(stack, sid, { limit: 5, offset: 3, get_total: 1 });
  assert.equal(r.status, 200, r.body.toString().slice(0, 300));
  assert.deepEqual(decoded(r).customer_list.map((c) => c.i_customer), [4, 5, 6, 7, 8]);
  assert.equal(decoded(r).total, 26);
  for (const s of listRequests(stack, mark)) {
    assert.match(s.body ?? '', /<limit [^>]*>8<\/limit>/);
    assert.match(s.body ?? '', /<offset [^>]*>0<\/offset>/);
    assert.doesNotMatch(s.body ?? '', />3<\/offset>|>5<\/limit>/, 'the client\'s window is replaced, not repeated');
  }
});

test('a system that fails the SOAP list: under partial its rows are missing and marked, under fail the client gets a SOAP fault naming it', async (t) => {
  for (const policy of ['partial', 'fail'] as const) {
    const stack = await startTwinnedStack(t, { config: { routing: { partialMerge: policy } } });
    const sid = await soapLogin(stack.url('admin'), DEMO_ADMIN.login, DEMO_ADMIN.password);
    await setFaults(stack.target, { error_rate: 1 });
    const res = await fetch(`${stack.url('admin')}/soap/CustomerAdminService`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"https://pb.example.com/Porta/SOAP/Customer#get_customer_list"' },
      body: soapEnvelope(d, 'Customer', 'get_customer_list', { limit: 100, get_total: 1 }, { session_id: sid }),
    });
    const r: RawReply = { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
    if (policy === 'partial') {
      assert.equal(r.status, 200, r.body.toString().slice(0, 300));
      assert.equal(res.headers.get(MISSING), 'target');
      const rows = decoded(r).customer_list;
      assert.equal(rows.length, 50);
      assert.ok(rows.every((c) => c.i_env === 3), 'the source\'s rows only');
    } else {
      assert.equal(r.status, 500);
      assert.match(r.body.toString(), /<faultstring>[^<]*target[^<]*<\/faultstring>/);
    }
  }
});

test('a list whose params are PHP\'s untyped Map goes to the systems as JSON and still merges', async (t) => {
  const stack = await startTwinnedStack(t);
  const sid = await soapLogin(stack.url('admin'), DEMO_ADMIN.login, DEMO_ADMIN.password);
  const envelope = soapEnvelope(d, 'Customer', 'get_customer_list', {}, { session_id: sid }).replace(
    /<GetCustomerListRequest[^>]*><\/GetCustomerListRequest>|<GetCustomerListRequest[^>]*\/>/,
    '<param0 xmlns:ns3="http://xml.apache.org/xml-soap" xsi:type="ns3:Map"><item><key xsi:type="xsd:string">limit</key><value xsi:type="xsd:int">100</value></item></param0>',
  );
  assert.match(envelope, /ns3:Map/);
  const mark = stack.arrivals.length;
  const r = await postSoap(stack.url('admin'), 'Customer', 'get_customer_list', envelope);
  assert.equal(r.status, 200, r.body.toString().slice(0, 300));
  assert.equal(decoded(r).customer_list.length, 60);
  const sent = listRequests(stack, mark);
  assert.deepEqual(sent.map((s) => s.path).sort(), ['/rest/Customer/get_customer_list', '/rest/Customer/get_customer_list']);
});
