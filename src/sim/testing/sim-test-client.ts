import type { JsonObject } from '../../core/api-call.ts';

/** A reply as tests look at it. */
export interface TestReply {
  status: number;
  contentType: string;
  body: JsonObject;
}

/** POSTs a JSON `{"params"}` body (Bearer when a token is given) and parses the JSON reply. */
export async function postJson(base: string, path: string, params: JsonObject, token?: string, extra: JsonObject = {}): Promise<TestReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return send(base, path, { method: 'POST', headers, body: JSON.stringify({ params, ...extra }) });
}

/** POSTs form fields (each value sent as given). */
export async function postForm(base: string, path: string, fields: Record<string, string>): Promise<TestReply> {
  return send(base, path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
}

export async function send(base: string, path: string, init: RequestInit): Promise<TestReply> {
  const res = await fetch(new URL(path, base), init);
  const text = await res.text();
  let body: JsonObject;
  try {
    body = JSON.parse(text) as JsonObject;
  } catch {
    body = { raw: text };
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body };
}

/** Logs in and returns the login reply; throws when the login fails. */
export async function login(base: string, loginName: string, secret: { password?: string; token?: string }): Promise<{ session_id: string; access_token: string; refresh_token: string }> {
  const r = await postJson(base, '/rest/Session/login', { login: loginName, ...secret });
  if (r.status !== 200) throw new Error(`login ${loginName} failed: ${JSON.stringify(r.body)}`);
  const { session_id, access_token, refresh_token } = r.body;
  if (typeof session_id !== 'string' || typeof access_token !== 'string' || typeof refresh_token !== 'string') throw new Error('bad login reply');
  return { session_id, access_token, refresh_token };
}
