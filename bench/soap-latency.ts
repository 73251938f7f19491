/**
 * Added latency of a routed SOAP call through the dispatcher over the same call sent directly to
 * the simulator (issue 5):
 *   node --import tsx bench/soap-latency.ts [--calls 2000] [--rounds 20] [--customers 1000]
 *
 * Two simulators and the dispatcher (`webdispatcher start`, 1 worker) each run in their own
 * process on 127.0.0.1. One keep-alive connection per path; calls are sequential, interleaved in
 * rounds (each round runs every variant once, order rotated), after a warm-up. The SOAP request is
 * the PHP SoapClient's `get_customer_info` as captured (customer 3 lives on the source). REST
 * (JSON + Bearer) rows are measured the same way for comparison. Also prints the time to parse the
 * largest envelope the SOAP front accepts (the parse-time bound).
 */
import { parseArgs } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { Pool } from 'undici';
import { simBackend, restLogin, BENCH_ADMIN } from './backends.ts';
import { startDispatcher } from './contenders.ts';
import { parseXml } from '../src/soap/safe-xml.ts';
import { SOAP_XML_LIMITS } from '../src/edge/soap-front.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '20' }, customers: { type: 'string', default: '1000' } } });
const calls = Number(values.calls);
const rounds = Number(values.rounds);
const perRound = Math.max(1, Math.floor(calls / rounds));

const soapBody = (sessionId: string): string => '<?xml version="1.0" encoding="UTF-8"?>\n'
  + '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="https://pb.example.com/Porta/SOAP/Customer" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns2="https://pb.example.com/Porta/SOAP/Session" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">'
  + `<SOAP-ENV:Header><ns2:auth_info><session_id>${sessionId}</session_id></ns2:auth_info></SOAP-ENV:Header>`
  + '<SOAP-ENV:Body><ns1:get_customer_info><GetCustomerInfoRequest xsi:type="ns1:GetCustomerInfoRequest"><i_customer xsi:type="xsd:int">3</i_customer></GetCustomerInfoRequest></ns1:get_customer_info></SOAP-ENV:Body></SOAP-ENV:Envelope>\n';

interface Variant {
  name: string;
  pool: Pool;
  path: string;
  headers: Record<string, string>;
  body: string;
  expect: string;
  samples: number[];
}

function variant(name: string, url: string, kind: 'soap' | 'rest', auth: { sessionId: string; accessToken: string }): Variant {
  const pool = new Pool(new URL(url).origin, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
  return kind === 'soap'
    ? { name, pool, path: '/soap/CustomerAdminService', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"https://pb.example.com/Porta/SOAP/Customer#get_customer_info"' }, body: soapBody(auth.sessionId), expect: '<i_customer xsi:type="xsd:int">3</i_customer>', samples: [] }
    : { name, pool, path: '/rest/Customer/get_customer_info', headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.accessToken}` }, body: '{"params":{"i_customer":3}}', expect: '"i_customer":3', samples: [] };
}

async function once(v: Variant, record: boolean): Promise<void> {
  const started = performance.now();
  const res = await v.pool.request({ method: 'POST', path: v.path, headers: v.headers, body: v.body });
  const text = await res.body.text();
  const ms = performance.now() - started;
  if (res.statusCode !== 200 || !text.includes(v.expect)) throw new Error(`${v.name}: ${res.statusCode} ${text.slice(0, 300)}`);
  if (record) v.samples.push(ms);
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function stats(samples: number[]): { p50: number; p99: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: pct(s, 50), p99: pct(s, 99), n: s.length };
}

/** Median time to parse (or refuse) `doc` with the SOAP front's limits. */
function parseMs(doc: Buffer): number {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    try {
      parseXml(doc, SOAP_XML_LIMITS);
    } catch {
      // refused: what is measured is how long that took
    }
    times.push(performance.now() - t0);
  }
  return stats(times).p50;
}

/** The parse-time bound: the worst documents the SOAP front's limits let the parser work on. */
function parseBounds(): string[] {
  const maxBytes = SOAP_XML_LIMITS.maxBytes!;
  const maxElements = SOAP_XML_LIMITS.maxElements!;
  const head = '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><SOAP-ENV:Body><ns1:update_customer xmlns:ns1="urn:x"><list>';
  const tail = '</list></ns1:update_customer></SOAP-ENV:Body></SOAP-ENV:Envelope>';
  const item = '<i xsi:type="xsd:int">12345</i>';
  const accepted = Buffer.from(head + item.repeat(maxElements - 10) + tail);
  const flood = Buffer.from(head + '<a/>'.repeat(Math.floor((maxBytes - head.length - tail.length) / 4)) + tail);
  const text = Buffer.from(head + '<item>' + 'x&amp;'.repeat(Math.floor((maxBytes - head.length - tail.length - 20) / 6)) + '</item>' + tail);
  const kib = (b: Buffer): string => `${Math.round(b.length / 1024)} KiB`;
  return [
    `| ${(maxElements - 10).toLocaleString('en-US')} typed elements, accepted (${kib(accepted)}) | ${parseMs(accepted).toFixed(1)} ms |`,
    `| element flood \`<a/>\` x ${Math.floor((maxBytes - head.length - tail.length) / 4).toLocaleString('en-US')}, refused at element ${(maxElements + 1).toLocaleString('en-US')} (${kib(flood)}) | ${parseMs(flood).toFixed(1)} ms |`,
    `| one text node with entity references, near the byte cap (${kib(text)}) | ${parseMs(text).toFixed(1)} ms |`,
  ];
}

const backend = await simBackend(Number(values.customers));
let dispatcher: Awaited<ReturnType<typeof startDispatcher>> | undefined;
const variants: Variant[] = [];
try {
  dispatcher = await startDispatcher(backend, 'dispatcher-1w', { workers: 1 });
  const direct = await restLogin(backend.source.urls.admin, BENCH_ADMIN.login, BENCH_ADMIN.password);
  const via = dispatcher.auth;
  variants.push(
    variant('soap-direct', backend.source.urls.admin, 'soap', direct),
    variant('soap-dispatcher', dispatcher.urls.admin!, 'soap', via),
    variant('rest-direct', backend.source.urls.admin, 'rest', direct),
    variant('rest-dispatcher', dispatcher.urls.admin!, 'rest', via),
  );
  const load0 = loadavg()[0]!;
  for (const v of variants) for (let i = 0; i < 200; i++) await once(v, false);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(r + k) % variants.length]!;
      for (let i = 0; i < perRound; i++) await once(v, true);
    }
  }
  const load1 = loadavg()[0]!;
  const s = Object.fromEntries(variants.map((v) => [v.name, stats(v.samples)]));
  const f = (ms: number): string => `${ms.toFixed(3)} ms`;
  console.log(`SOAP latency, ${new Date().toISOString()}, ${cpus()[0]?.model.trim()} x${cpus().length}, Node ${process.version}, load ${load0.toFixed(2)} → ${load1.toFixed(2)}`);
  console.log(`${rounds} interleaved rounds x ${perRound} sequential calls per variant (after 200 warm-up), one keep-alive loopback connection each`);
  console.log('| variant | calls | median | p99 |');
  console.log('|---|---:|---:|---:|');
  for (const v of variants) console.log(`| ${v.name} | ${s[v.name]!.n} | ${f(s[v.name]!.p50)} | ${f(s[v.name]!.p99)} |`);
  const add = (a: string, b: string) => `median +${f(s[b]!.p50 - s[a]!.p50)}, p99 +${f(s[b]!.p99 - s[a]!.p99)}`;
  console.log(`added by the dispatcher, SOAP: ${add('soap-direct', 'soap-dispatcher')}`);
  console.log(`added by the dispatcher, REST: ${add('rest-direct', 'rest-dispatcher')}`);
  console.log(`parse-time bound with the SOAP front's limits ${JSON.stringify(SOAP_XML_LIMITS)} (median of 7, in this process):`);
  console.log('| document | parse or refusal time |');
  console.log('|---|---:|');
  for (const line of parseBounds()) console.log(line);
} finally {
  await Promise.all(variants.map((v) => v.pool.close()));
  await dispatcher?.close();
  await backend.close();
}
