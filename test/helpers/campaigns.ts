import { setTimeout as sleep } from 'node:timers/promises';
import { postJson } from '../../src/cli/post-json.ts';

/** Calls the campaigns API of a node with the demo ops token. */
export function campaignApi(opsUrl: string, token = 'demo-ops-token') {
  const auth = { authorization: `Bearer ${token}` };
  return {
    create: (body: unknown) => postJson(`${opsUrl}/v1/campaigns`, body, auth),
    act: (name: string, action: 'start' | 'pause' | 'resume' | 'abort' | 'rollback') => postJson(`${opsUrl}/v1/campaigns/${name}/${action}`, {}, auth),
    async status(name: string): Promise<Record<string, unknown>> {
      const res = await fetch(`${opsUrl}/v1/campaigns/${name}`, { headers: auth });
      return (await res.json()) as Record<string, unknown>;
    },
    /** Polls the status until `until` holds (bounded by `maxMs`); returns the last status. */
    async waitFor(name: string, until: (s: Record<string, unknown>) => boolean, maxMs = 20_000): Promise<Record<string, unknown>> {
      const t0 = Date.now();
      for (;;) {
        const s = await this.status(name);
        if (until(s)) return s;
        if (Date.now() - t0 > maxMs) throw new Error(`campaign ${name} did not reach the expected state in ${maxMs} ms: ${JSON.stringify(s)}`);
        await sleep(100);
      }
    },
  };
}
