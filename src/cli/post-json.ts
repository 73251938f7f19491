/** The answer of a JSON endpoint (a non-JSON body comes back as `{"body": text}`). */
export interface JsonAnswer { status: number; json: Record<string, unknown> }

async function answer(res: Response): Promise<JsonAnswer> {
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.status, json: { body: text } };
  }
}

/** POSTs JSON and reads a JSON answer. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> {
  return answer(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) }));
}

/** GETs a JSON answer. */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<JsonAnswer> {
  return answer(await fetch(url, { headers, signal: AbortSignal.timeout(60_000) }));
}
