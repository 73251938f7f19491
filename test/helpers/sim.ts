import assert from 'node:assert/strict';
import { after } from 'node:test';
import { createSimulator } from '../../src/sim/simulator.ts';
import type { RunningSimulator } from '../../src/sim/contract.ts';
import { decodeJwtPayload, jsonRequest, sendRaw } from './wire.ts';
import type { WireReply } from './wire.ts';

/** Options accepted by the simulator under test (whatever `createSimulator` takes). */
export type StartSimOptions = Parameters<typeof createSimulator>[0];

/** Anything with an `after` hook: a test context `t`, or `{ after }` from node:test for a suite. */
export interface AfterHook {
  after(fn: () => unknown): unknown;
}

/** Starts a simulator on ephemeral loopback ports and closes it when the test (or suite) ends. */
export async function startSim(t: AfterHook, options: StartSimOptions): Promise<RunningSimulator> {
  const sim = await createSimulator(options);
  t.after(() => sim.close());
  return sim;
}

/**
 * For a `describe` block: returns a starter whose simulators are all closed by one `after` hook of
 * that suite. Call it synchronously in the describe body (hooks registered inside `before` would
 * attach to the wrong scope).
 */
export function simsForSuite(): (options: StartSimOptions) => Promise<RunningSimulator> {
  const running: RunningSimulator[] = [];
  after(async () => {
    await Promise.all(running.map((s) => s.close()));
  });
  return async (options) => {
    const sim = await createSimulator(options);
    running.push(sim);
    return sim;
  };
}

/** A reply with its body parsed as JSON (undefined when the body is not JSON). */
export interface JsonReply extends WireReply {
  json: unknown;
}

function withJson(reply: WireReply): JsonReply {
  let json: unknown;
  try {
    json = JSON.parse(reply.text);
  } catch {
    json = undefined;
  }
  return { ...reply, json };
}

/** A JSON-style REST call (`{"params":…}` + optional Bearer), sent as literal bytes. */
export async function restCall(baseUrl: string, serviceMethod: string, params: unknown, accessToken?: string): Promise<JsonReply> {
  const body = JSON.stringify({ params });
  return withJson(await sendRaw(baseUrl, jsonRequest(baseUrl, `/rest/${serviceMethod}`, body, accessToken)));
}

/** A PortaSIP API call: `POST /portasip/<Service>/<method>` with `{"params":…}` + optional Bearer. */
export async function portasipCall(baseUrl: string, serviceMethod: string, params: unknown, accessToken?: string): Promise<JsonReply> {
  const body = JSON.stringify({ params });
  return withJson(await sendRaw(baseUrl, jsonRequest(baseUrl, `/portasip/${serviceMethod}`, body, accessToken)));
}

/** Sends prepared bytes and parses the reply as JSON. */
export async function sendJson(baseUrl: string, bytes: Buffer): Promise<JsonReply> {
  return withJson(await sendRaw(baseUrl, bytes));
}

/** What a successful `Session/login` returns. */
export interface LoginResult {
  session_id: string;
  access_token: string;
  refresh_token: string;
  expires_in: number;
  expires_at: unknown;
}

/** Logs in with `{login,password}` (or `{login,token}`) and asserts success. */
export async function login(baseUrl: string, credentials: Record<string, string>): Promise<LoginResult> {
  const reply = await restCall(baseUrl, 'Session/login', credentials);
  assert.equal(reply.status, 200, `login ${JSON.stringify(credentials)} at ${baseUrl}: ${reply.status} ${reply.text}`);
  const result = reply.json as LoginResult;
  assert.equal(typeof result.session_id, 'string');
  assert.equal(typeof result.access_token, 'string');
  return result;
}

/** Asserts a successful JSON reply and returns its object. */
export function ok(reply: JsonReply, what = 'call'): Record<string, unknown> {
  assert.equal(reply.status, 200, `${what}: expected 200, got ${reply.status} ${reply.text.slice(0, 500)}`);
  assert.match(reply.headers['content-type'] ?? '', /^application\/json\b/, `${what}: content-type`);
  assert.ok(reply.json !== null && typeof reply.json === 'object' && !Array.isArray(reply.json), `${what}: a JSON object`);
  return reply.json as Record<string, unknown>;
}

/**
 * Asserts a PortaBilling REST fault: not a 2xx, JSON content type, body exactly
 * `{"faultcode":"…","faultstring":"…"}` (those two keys, that order, nothing else), and, when
 * given, the fault code. Returns the code.
 */
export function fault(reply: JsonReply, code?: string | RegExp, what = 'call'): string {
  assert.ok(reply.status >= 400, `${what}: expected a fault, got ${reply.status} ${reply.text.slice(0, 500)}`);
  assert.match(reply.headers['content-type'] ?? '', /^application\/json\b/, `${what}: fault content-type`);
  assert.match(reply.text, /^\{"faultcode":"[A-Za-z0-9_.]+","faultstring":"(?:[^"\\]|\\.)*"\}$/, `${what}: fault body format: ${reply.text.slice(0, 300)}`);
  const body = reply.json as { faultcode: string; faultstring: string };
  assert.deepEqual(Object.keys(body), ['faultcode', 'faultstring']);
  assert.ok(body.faultstring.length > 0, `${what}: faultstring is empty`);
  if (typeof code === 'string') assert.equal(body.faultcode, code, `${what}: ${reply.text}`);
  else if (code) assert.match(body.faultcode, code, `${what}: ${reply.text}`);
  return body.faultcode;
}

/** The decoded payload of a login's access token. */
export function tokenPayload(result: Pick<LoginResult, 'access_token'>): Record<string, unknown> {
  return decodeJwtPayload(result.access_token);
}
