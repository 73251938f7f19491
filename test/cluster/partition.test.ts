import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, CLUSTER_OPS_TOKEN } from '../../scripts/cluster/cluster.ts';
import { requireCluster } from '../helpers/cluster-available.ts';
import { loginClients, restCall, type CallRecord } from '../helpers/cluster-load.ts';
import { runCutoverWorkload } from '../helpers/cutover-workload.ts';
import { DEMO_ACCOUNT, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';
import type { SimulatorInstance } from '../../src/sim/simulator.ts';

/** What the ledger check needs of a simulator that runs in another process: its addresses. */
const remoteSim = (urls: Record<string, string>) => ({ urls }) as unknown as SimulatorInstance;

/** Calls `node` directly every `everyMs` until stopped, each a write of customer 1 with a ledger tag; bounded. */
function probe(url: string, token: string, everyMs: number, max: number) {
  const records: CallRecord[] = [];
  let stopped = false;
  const done = (async () => {
    for (let n = 0; n < max && !stopped; n++) {
      const sentAt = performance.now();
      const r = await restCall(url, 'Customer/update_customer', { customer_info: { i_customer: DEMO_CUSTOMER.iCustomer, notes: `w-probe-${n}` } }, token, 20_000);
      records.push({ client: -1, kind: 'write', sentAt, doneAt: performance.now(), outcome: r.outcome, detail: `${r.detail}${r.json.faultstring === undefined ? '' : ` ${String(r.json.faultstring)}`}` });
      await sleep(everyMs);
    }
  })();
  return { records, async stop() { stopped = true; await done; return records; } };
}

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

test('a cluster of three nodes behind HAProxy: a node cut off from PostgreSQL or Redis', { timeout: 240_000 }, async (t) => {
  if (!requireCluster(t)) return;
  const cluster = await Cluster.start({ customers: 60, holdTimeoutMs: 4000 });
  t.after(() => cluster.close());
  const lb = cluster.lb!;
  const node3 = cluster.nodes[2]!;
  const direct3 = `http://${node3.address}:8001`;

  await t.test('cut from PostgreSQL during traffic and cutovers: retryable faults once its lease lapses, 0 lost, 0 misrouted, rejoins by itself', async () => {
    const [token3] = await loginClients(direct3, 1);
    // Warm node 3's cache for customer 1, so the cut finds it routing from a lease.
    assert.equal((await restCall(direct3, 'Customer/get_customer_info', { i_customer: DEMO_CUSTOMER.iCustomer }, token3)).outcome, 'ok');
    await cluster.link(2, 'db', 'down');
    const cutAt = performance.now();
    const probing = probe(direct3, token3!, 250, 400);
    let figures;
    let outMs = 0;
    let probes: CallRecord[] = [];
    try {
      const firstFault = await until('node 3 answers with a fault', 30_000, async () => probing.records.find((r) => r.outcome !== 'ok'));
      assert.equal(firstFault.outcome, 'fault', `a clear fault, not a broken connection: ${firstFault.detail}`);
      assert.match(firstFault.detail, /^Server\.Dispatcher\.directory_unavailable/);
      outMs = await lb.waitForState(node3.name, 'DOWN', 20_000);
      // The moves go through node 1's ops; the writes through the load balancer (nodes 1 and 2 now).
      figures = await runCutoverWorkload({
        apiUrls: [cluster.publicUrls.admin], opsUrl: cluster.nodes[0]!.urls.ops!, opsToken: CLUSTER_OPS_TOKEN,
        source: remoteSim(cluster.source.urls), target: remoteSim(cluster.target.urls),
        iCustomer: DEMO_CUSTOMER.iCustomer, accounts: [DEMO_ACCOUNT.iAccount],
        clients: 10, moves: 4, maxWritesPerClient: 300, maxMs: 15_000,
      });
    } finally {
      probes = await probing.stop();
      await cluster.link(2, 'db', 'up');
    }
    t.diagnostic(JSON.stringify({ figures, lbOutAfterMs: Math.round(outMs), probes: probes.length, probeFaults: probes.filter((p) => p.outcome !== 'ok').length, firstFaultAfterMs: Math.round((probes.find((p) => p.outcome !== 'ok')?.doneAt ?? 0) - cutAt) }));
    assert.equal(figures.moves, 4);
    assert.ok(figures.acknowledged > 0);
    assert.equal(figures.lost, 0, 'every acknowledged write was applied');
    assert.equal(figures.misrouted, 0, 'no write (the cut node\'s included) reached a system the customer had left');
    assert.deepEqual(figures.otherFaults, {}, 'through the load balancer every call succeeded or was held');
    assert.ok(figures.finalValueMatches);
    const afterFault = probes.slice(probes.findIndex((p) => p.outcome !== 'ok'));
    for (const p of afterFault) {
      assert.equal(p.outcome, 'fault', `the cut node answers every call with a fault: ${p.detail}`);
      assert.match(p.detail, /^Server\.Dispatcher\.directory_unavailable/);
      assert.ok(p.doneAt - p.sentAt < 10_000, `… within bounds, no hang (${Math.round(p.doneAt - p.sentAt)} ms)`);
    }
    // The link is back: node 3 rejoins by itself and routes customer 1 where it lives now.
    await lb.waitForState(node3.name, 'UP', 45_000);
    const finalEnv = figures.finalSystem === 'source' ? 3 : 8;
    const info = await until('node 3 serves customer 1 again', 20_000, async () => {
      const r = await restCall(direct3, 'Customer/get_customer_info', { i_customer: DEMO_CUSTOMER.iCustomer }, token3);
      return r.outcome === 'ok' ? r : undefined;
    });
    assert.equal((info.json.customer_info as { i_env: number }).i_env, finalEnv, 'the rejoined node routes to where the customer lives now');
  });

  await t.test('cut from Redis: a clear fault, not a hang, and it recovers', async () => {
    const [token3] = await loginClients(direct3, 1);
    await cluster.link(2, 'cache', 'down');
    let fault;
    try {
      fault = await until('node 3 answers with a fault', 30_000, async () => {
        const sentAt = performance.now();
        const r = await restCall(direct3, 'Customer/get_customer_info', { i_customer: 3 }, token3, 20_000);
        return r.outcome === 'ok' ? undefined : { ...r, ms: performance.now() - sentAt };
      });
      await lb.waitForState(node3.name, 'DOWN', 20_000);
    } finally {
      await cluster.link(2, 'cache', 'up');
    }
    t.diagnostic(JSON.stringify({ fault: fault.json, ms: Math.round(fault.ms) }));
    assert.equal(fault.outcome, 'fault', `a PortaBilling-style fault: ${fault.detail}`);
    assert.equal(fault.status, 503);
    assert.match(String(fault.json.faultstring), /[Ss]ession store/);
    assert.ok(fault.ms < 10_000, 'answered within bounds');
    const back = await until('node 3 serves again', 30_000, async () => {
      const r = await restCall(direct3, 'Customer/get_customer_info', { i_customer: 3 }, token3);
      return r.outcome === 'ok' ? r : undefined;
    });
    assert.equal(back.status, 200, 'the same session works again on node 3');
    await lb.waitForState(node3.name, 'UP', 30_000);
  });
});
