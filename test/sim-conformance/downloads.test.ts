import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { call, login, startStack } from '../helpers/stack.ts';
import { loadSimDescription } from '../../src/sim/description/description.ts';
import { firstDifference, startTwinnedStack, systemsThatServed } from '../helpers/twins.ts';
import type { ParamValue } from '../helpers/twins.ts';
import { postSoap, soapEnvelope, soapLogin } from '../helpers/soap-envelopes.ts';
import type { RawReply } from '../helpers/soap-envelopes.ts';

/** The first invoice of customer 3, as the simulator lists it. */
async function anInvoice(url: string, token: string): Promise<number> {
  const r = await call(url, 'Invoice/get_invoice_list', { i_customer: 3 }, token);
  const id = (r.json.invoice_list as Array<{ i_invoice: number }> | undefined)?.[0]?.i_invoice;
  assert.equal(typeof id, 'number', JSON.stringify(r.json).slice(0, 200));
  return id!;
}

const MIB = 1024 * 1024;

/** Reads a reply body chunk by chunk: its size, sha256 and first bytes, never holding it whole. */
async function download(url: string, path: string, params: unknown, token: string): Promise<{ status: number; type: string | null; length: string | null; size: number; sha: string; head: Buffer }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ params }) });
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  for await (const chunk of res.body!) {
    const buf = Buffer.from(chunk as Uint8Array);
    if (head.length < 64) head = Buffer.concat([head, buf.subarray(0, 64 - head.length)]);
    hash.update(buf);
    size += buf.length;
  }
  return { status: res.status, type: res.headers.get('content-type'), length: res.headers.get('content-length'), size, sha: hash.digest('hex'), head };
}

test('an invoice PDF of 50 MiB and a call recording stream from the simulator, and through the dispatcher with the same bytes', async (t) => {
  const stack = await startStack(t, { simOptions: { downloadBytes: 50 * MIB } });
  const direct = await login(stack.source.urls.admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const via = await login(stack.url('admin'), DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const inv = await anInvoice(stack.source.urls.admin, direct);
  const rssBefore = process.memoryUsage().rss;
  const pdf = await download(stack.source.urls.admin, '/rest/Invoice/get_invoice_info', { i_invoice: inv, get_pdf: 1 }, direct);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.type, 'application/pdf');
  assert.equal(pdf.length, String(50 * MIB));
  assert.equal(pdf.size, 50 * MIB);
  assert.equal(pdf.head.subarray(0, 5).toString('latin1'), '%PDF-');
  const again = await download(stack.source.urls.admin, '/rest/Invoice/get_invoice_info', { i_invoice: inv, get_pdf: 1 }, direct);
  assert.equal(again.sha, pdf.sha, 'the same file each time');
  const rssDirect = process.memoryUsage().rss - rssBefore;
  t.diagnostic(`rss growth after two direct 50 MiB downloads: ${(rssDirect / MIB).toFixed(1)} MiB`);
  const through = await download(stack.url('admin'), '/rest/Invoice/get_invoice_info', { i_invoice: inv, get_pdf: 1 }, via);
  assert.equal(through.status, 200);
  assert.equal(through.type, 'application/pdf');
  assert.equal(through.sha, pdf.sha, 'the same bytes through the dispatcher');
  t.diagnostic(`rss growth after the dispatcher download too: ${((process.memoryUsage().rss - rssBefore) / MIB).toFixed(1)} MiB`);

  const wav = await download(stack.source.urls.admin, '/rest/CDR/get_call_recording', { i_xdr: 5 }, direct);
  assert.equal(wav.type, 'audio/wav');
  assert.equal(wav.head.subarray(0, 4).toString('ascii'), 'RIFF');
  assert.equal(wav.head.subarray(8, 12).toString('ascii'), 'WAVE');
  assert.equal(wav.size, 50 * MIB);
});

test('without get_pdf the invoice is JSON, and a download for a missing invoice is a fault, not a file', async (t) => {
  const stack = await startStack(t);
  const token = await login(stack.source.urls.admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const inv = await anInvoice(stack.source.urls.admin, token);
  const json = await download(stack.source.urls.admin, '/rest/Invoice/get_invoice_info', { i_invoice: inv }, token);
  assert.match(json.type ?? '', /application\/json/);
  const missing = await download(stack.source.urls.admin, '/rest/Invoice/get_invoice_info', { i_invoice: 987654, get_pdf: 1 }, token);
  assert.equal(missing.status, 500);
  assert.match(missing.type ?? '', /application\/json/);
  const small = await download(stack.source.urls.admin, '/rest/Invoice/get_invoice_info', { i_invoice: inv, get_pdf: 1 }, token);
  assert.equal(small.size, 4096);
});

test('a binary method over SOAP answers through the dispatcher with the bytes and content type the system answers directly', async (t) => {
  // What the simulator does with a binary method over SOAP: no attachment and no base64,
  // it answers the method's result as an rpc/encoded struct (a fault when the record is
  // missing), as for any method; so "the same bytes" here is that envelope, compared with the
  // twin of each system the call reached (Voicemail is broadcast: one of the two).
  const d = loadSimDescription();
  const stack = await startTwinnedStack(t);
  const token = await login(stack.source.urls.admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const inv = await anInvoice(stack.source.urls.admin, token);
  const via = await soapLogin(stack.url('admin'), DEMO_ADMIN.login, DEMO_ADMIN.password);
  const direct = {
    source: await soapLogin(stack.twin.source.urls.admin, DEMO_ADMIN.login, DEMO_ADMIN.password),
    target: await soapLogin(stack.twin.target.urls.admin, DEMO_ADMIN.login, DEMO_ADMIN.password),
  };
  const cases: Array<[string, string, Record<string, ParamValue>]> = [
    ['Invoice', 'get_invoice_info', { i_invoice: inv, get_pdf: 1 }],
    ['Invoice', 'get_invoice_info', { i_invoice: 987654, get_pdf: 1 }],
    ['CDR', 'get_call_recording', { i_xdr: 5 }],
    ['CDR', 'get_call_recording', { i_xdr: 6 }],
    ['Voicemail', 'get_message', { i_account: 1, i_message: 5 }],
  ];
  for (const [service, method, params] of cases) {
    const key = `${service}/${method} ${JSON.stringify(params)}`;
    const mark = stack.arrivals.length;
    const through = await postSoap(stack.url('admin'), service, method, soapEnvelope(d, service, method, params, { session_id: via }));
    const served = systemsThatServed(stack.arrivals.slice(mark), service, method);
    assert.ok(served.length > 0, `${key} reached a system`);
    const straight: RawReply[] = [];
    for (const sys of served) straight.push(await postSoap(stack.twin[sys].urls.admin, service, method, soapEnvelope(d, service, method, params, { session_id: direct[sys] })));
    t.diagnostic(`${key}: directly ${straight.map((r) => `${r.status} ${String(r.type)} ${r.body.length} bytes`).join(', ')} (${served.join('+')})`);
    const same = straight.find((r) => r.status === through.status && r.type === through.type && r.body.equals(through.body));
    assert.ok(same !== undefined, `${key} (sent to ${served.join('+')}): through ${through.status} ${String(through.type)}, directly ${straight[0]!.status} ${String(straight[0]!.type)}; ${firstDifference(through.body, straight[0]!.body)}`);
  }
});
