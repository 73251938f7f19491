import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator } from '../../src/sim/simulator.ts';
import { startDispatcher } from '../../src/app/create-dispatcher.ts';
import { testConfig, migrate } from '../helpers/stack.ts';
import { CAPTURE_ADMIN, CAPTURE_CUSTOMER_ID, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';
import { decodeSoapReply } from '../../src/soap/soap-reply.ts';
import { isApiFault } from '../../src/core/faults.ts';
import { loadCaptures, replayCapture } from '../helpers/wire.ts';
import type { WireReply } from '../helpers/wire.ts';
import type { Stack } from '../helpers/stack.ts';

/**
 * The PHP SoapClient capture, replayed byte for byte (only the Host header and the session ids
 * this run issued are substituted) to the dispatcher's admin listener.
 */

type Expect = (reply: WireReply) => void;

function result(reply: WireReply): Record<string, unknown> {
  assert.equal(reply.status, 200, reply.text.slice(0, 400));
  assert.match(reply.headers['content-type'] ?? '', /^text\/xml/);
  return decodeSoapReply(reply.text) as Record<string, unknown>;
}

function faultOf(reply: WireReply): string {
  assert.equal(reply.status, 500, reply.text.slice(0, 400));
  assert.match(reply.headers['content-type'] ?? '', /^text\/xml/);
  try {
    decodeSoapReply(reply.text);
  } catch (err) {
    assert.ok(isApiFault(err));
    return err.faultcode;
  }
  assert.fail(`expected a SOAP Fault: ${reply.text.slice(0, 400)}`);
}

test('the captured PHP SoapClient session replays unchanged through the dispatcher, a moved customer read on the target', async (t) => {
  const source = await createSimulator({ role: 'source', env: 3, customers: 20, seed: 1, adminCredentials: CAPTURE_ADMIN });
  t.after(() => source.close());
  const target = await createSimulator({ role: 'target', env: 8, customers: 10, seed: 1, adminCredentials: CAPTURE_ADMIN });
  t.after(() => target.close());
  const dispatcher = await startDispatcher(testConfig(source, target, { ops: { serviceLogin: { login: 'admin', token: CAPTURE_ADMIN.token } } }));
  t.after(() => dispatcher.close());
  const stack: Stack = { source, target, dispatcher, url: (l) => dispatcher.urls[l]! };

  let sessionId: string | undefined;
  const loggedIn: Expect = (reply) => {
    const r = result(reply);
    assert.equal(typeof r.session_id, 'string');
    assert.notEqual(r.session_id, '');
    sessionId = r.session_id as string;
  };
  const loginRefused: Expect = (reply) => assert.equal(faultOf(reply), 'Server.Session.auth_failed');
  const customer = (iCustomer: number, iEnv: number): Expect => (reply) => {
    const info = result(reply).customer_info as { i_customer: number; i_env: number };
    assert.equal(info.i_customer, iCustomer);
    assert.equal(info.i_env, iEnv);
  };
  const noSession: Expect = (reply) => assert.equal(faultOf(reply), 'Server.Session.check_auth.auth_failed');
  const loggedOut: Expect = (reply) => {
    assert.deepEqual(result(reply), { success: 1 });
    sessionId = undefined;
  };
  const expectations: Expect[] = [
    loggedIn, loginRefused, customer(CAPTURE_CUSTOMER_ID, 3), noSession, loggedOut,
    loggedIn, loginRefused, customer(DEMO_CUSTOMER.iCustomer, 8), noSession, loggedOut,
  ];

  const lines = loadCaptures('soap-php-soapclient.jsonl');
  assert.equal(lines.length, expectations.length);
  let captured: string | undefined;
  for (const [i, line] of lines.entries()) {
    if (i === 7) await migrate(stack, DEMO_CUSTOMER.iCustomer, 'target');
    const subs = new Map<string, string>();
    for (const m of line.body.matchAll(/<session_id[^>]*>([0-9a-f]{32})<\/session_id>/g)) {
      captured = m[1]!;
      assert.ok(sessionId !== undefined, `line ${i} uses a session but none is open`);
      subs.set(captured, sessionId);
    }
    const reply = await replayCapture(line, stack.url('admin'), subs);
    try {
      expectations[i]!(reply);
    } catch (err) {
      throw new Error(`capture line ${i} (${line.headers.soapaction}): ${(err as Error).message}`, { cause: err });
    }
  }
  assert.ok(captured !== undefined, 'the capture carried session ids that were substituted');
});
