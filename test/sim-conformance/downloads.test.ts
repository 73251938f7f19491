import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createSimulator } from '../../src/sim/simulator.ts';
import { startDispatcher } from '../../src/app/create-dispatcher.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { call, login, startStack, testConfig } from '../helpers/stack.ts';
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
  // Over SOAP the simulator answers a download as PortaBilling's SOAP::Lite does: SOAP with
  // attachments (multipart/related: the result's envelope, then the file); a missing record is a
  // fault. "The same bytes" is that whole reply, compared with the twin of each system the call
  // reached (Voicemail is broadcast: one of the two).
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
  let attachments = 0;
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
    if (through.type?.startsWith('multipart/related') === true) attachments++;
  }
  assert.equal(attachments, 4, 'the PDF, both recordings and the voicemail message came as attachments');
});

/**
 * A TCP relay in front of `port` that counts the bytes the server sent back; a client that
 * stops reading stops the relay too (pipe's backpressure), as a direct connection would.
 */
async function countingRelay(t: { after(fn: () => unknown): void }, port: number): Promise<{ url: string; sent: () => number }> {
  let sent = 0;
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    upstream.on('data', (chunk: Buffer) => { sent += chunk.length; });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); relay.close(() => resolve()); }));
  return { url: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`, sent: () => sent };
}

/** Waits until `value()` has not changed for a while (the pipeline is full), at most a few seconds. */
async function settled(value: () => number): Promise<number> {
  let last = -1;
  for (let stable = 0, rounds = 0; stable < 6 && rounds < 100; rounds++) {
    await new Promise((r) => setTimeout(r, 50));
    const now = value();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

test('a 50 MiB download streams through the dispatcher over REST and SOAP: while the client reads nothing the system cannot send the file, and the bytes arrive whole', { timeout: 120_000 }, async (t) => {
  const d = loadSimDescription();
  const source = await createSimulator({ role: 'source', env: 3, customers: 20, seed: 1, downloadBytes: 50 * MIB });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 4, seed: 1 });
  t.after(() => target.close());
  const relay = await countingRelay(t, Number(new URL(source.urls.admin).port));
  const dispatcher = await startDispatcher(testConfig({ env: source.env, urls: { ...source.urls, admin: relay.url } }, target));
  t.after(() => dispatcher.close());
  const admin = dispatcher.urls.admin!;
  const token = await login(admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password });
  const sid = await soapLogin(admin, DEMO_ADMIN.login, DEMO_ADMIN.password);
  const inv = await anInvoice(source.urls.admin, await login(source.urls.admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password }));
  const directSid = await soapLogin(source.urls.admin, DEMO_ADMIN.login, DEMO_ADMIN.password);
  const soapBody = (session: string) => soapEnvelope(d, 'Invoice', 'get_invoice_info', { i_invoice: inv, get_pdf: 1 }, { session_id: session });
  const soapHeaders = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"https://pb.example.com/Porta/SOAP/Invoice#get_invoice_info"' };
  const styles = [
    { name: 'REST', path: '/rest/Invoice/get_invoice_info', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ params: { i_invoice: inv, get_pdf: 1 } }), direct: undefined },
    { name: 'SOAP', path: '/soap/InvoiceAdminService', headers: soapHeaders, body: soapBody(sid), direct: soapBody(directSid) },
  ];
  for (const style of styles) {
    const before = relay.sent();
    const { res, received } = await new Promise<{ res: IncomingMessage; received: () => Buffer[] }>((resolve, reject) => {
      const req = httpRequest(`${admin}${style.path}`, { method: 'POST', headers: style.headers }, (r) => {
        const chunks: Buffer[] = [];
        r.once('data', (c: Buffer) => { chunks.push(c); r.pause(); });
        resolve({ res: r, received: () => chunks });
      });
      req.on('error', reject);
      req.end(style.body);
    });
    assert.equal(res.statusCode, 200, style.name);
    const whilePaused = (await settled(relay.sent)) - before;
    t.diagnostic(`${style.name}: the system had sent ${(whilePaused / MIB).toFixed(1)} MiB of 50 while the client read nothing`);
    assert.ok(whilePaused < 25 * MIB, `${style.name}: ${(whilePaused / MIB).toFixed(1)} MiB sent with the client paused: the dispatcher buffers instead of streaming`);
    const hash = createHash('sha256');
    let size = 0;
    for (const c of received()) { hash.update(c); size += c.length; }
    res.resume();
    for await (const chunk of res) { hash.update(chunk as Buffer); size += (chunk as Buffer).length; }
    const type = res.headers['content-type'] ?? '';
    // The same download straight from the system.
    const straight = await fetch(`${source.urls.admin}${style.path}`, {
      method: 'POST',
      headers: style.direct === undefined ? { 'content-type': 'application/json', authorization: `Bearer ${await login(source.urls.admin, DEMO_ADMIN.login, { password: DEMO_ADMIN.password })}` } : soapHeaders,
      body: style.direct ?? style.body,
    });
    const directHash = createHash('sha256');
    let directSize = 0;
    for await (const chunk of straight.body!) { directHash.update(chunk as Uint8Array); directSize += (chunk as Uint8Array).length; }
    assert.equal(type, straight.headers.get('content-type'), `${style.name}: the system's content type`);
    assert.equal(res.headers['content-length'], straight.headers.get('content-length') ?? undefined, `${style.name}: the system's length`);
    assert.equal(size, directSize, style.name);
    assert.ok(size >= 50 * MIB, `${style.name}: the whole file`);
    assert.equal(hash.digest('hex'), directHash.digest('hex'), `${style.name}: the same bytes`);
    if (style.name === 'SOAP') assert.match(type, /^multipart\/related; type="text\/xml"/);
  }
});
