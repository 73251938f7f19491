import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, CLUSTER_OPS_TOKEN } from '../../scripts/cluster/cluster.ts';
import { requireCluster } from '../helpers/cluster-available.ts';
import { loginClients, runLoad, summarize, writeLedger } from '../helpers/cluster-load.ts';
import { runCutoverWorkload } from '../helpers/cutover-workload.ts';
import { campaignApi } from '../helpers/campaigns.ts';
import { DEMO_ACCOUNT, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';
import type { SimulatorInstance } from '../../src/sim/simulator.ts';

/** What the ledger check needs of a simulator that runs in another process: its addresses. */
const remoteSim = (urls: Record<string, string>) => ({ urls }) as unknown as SimulatorInstance;

test('a cluster of three nodes behind HAProxy: cutovers and campaigns lose and misroute nothing', { timeout: 240_000 }, async (t) => {
  if (!requireCluster(t)) return;
  const cluster = await Cluster.start({ customers: 60, holdTimeoutMs: 4000, campaignLeaseMs: 3000 });
  t.after(() => cluster.close());

  await t.test('begin/commit through node 1, writes through the load balancer to all three: 0 lost, 0 misrouted', async () => {
    const figures = await runCutoverWorkload({
      apiUrls: [cluster.publicUrls.admin], opsUrl: cluster.nodes[0]!.urls.ops!, opsToken: CLUSTER_OPS_TOKEN,
      source: remoteSim(cluster.source.urls), target: remoteSim(cluster.target.urls),
      iCustomer: DEMO_CUSTOMER.iCustomer, accounts: [DEMO_ACCOUNT.iAccount],
      clients: 12, moves: 6, maxWritesPerClient: 300, maxMs: 20_000,
    });
    t.diagnostic(JSON.stringify(figures));
    assert.equal(figures.moves, 6);
    assert.ok(figures.acknowledged > 0);
    assert.equal(figures.lost, 0, 'every acknowledged write was applied');
    assert.equal(figures.misrouted, 0, 'no write reached a system the customer had left');
    assert.deepEqual(figures.otherFaults, {}, 'every call got success or customer_migrating');
    assert.ok(figures.finalValueMatches, 'the living record carries the last applied write');
  });

  await t.test('a campaign created through the load balancer, its driver restarted gracefully midway, writes to its customers throughout: 0 lost, 0 misrouted, 0 failed', async () => {
    const customers = Array.from({ length: 16 }, (_, i) => 3 + 2 * i);
    const lbOps = campaignApi(cluster.publicUrls.ops, CLUSTER_OPS_TOKEN);
    const tokens = await loginClients(cluster.publicUrls.admin, 8);
    // The target answers slowly, so moves take long enough for the restart to land midway.
    await fetch(`${cluster.target.urls.admin}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latency_ms: 60 }) });
    const load = runLoad({ url: cluster.publicUrls.admin, clients: 8, customers, maxCallsPerClient: 3000, maxMs: 90_000, pauseMs: 5 }, tokens);
    let done: Record<string, unknown> = {};
    let restarted = '';
    let exit: unknown;
    try {
      const made = await lbOps.create({ name: 'lb-wave', customers, batchSize: 8, concurrency: 2 });
      assert.equal(made.status, 201, JSON.stringify(made.json));
      assert.equal((await lbOps.act('lb-wave', 'start')).status, 200);
      const driving = await lbOps.waitFor('lb-wave', (s) => typeof s.driver === 'string' && (s.committed as number) >= 3, 60_000);
      const pid = Number(/-(\d+)-[0-9a-f]+$/.exec(String(driving.driver))?.[1]);
      const victim = cluster.nodes.findIndex((n) => n.process?.pid === pid);
      assert.ok(victim >= 0, `the driver ${String(driving.driver)} is one of the nodes`);
      restarted = cluster.nodes[victim]!.name;
      exit = await cluster.stopNode(victim, 'SIGTERM');
      await cluster.startNode(victim);
      await cluster.lb!.waitForState(restarted, 'UP', 20_000);
      // Any node answers the status; the campaign ends wherever it is driven now.
      const other = campaignApi(cluster.nodes[(victim + 1) % 3]!.urls.ops!, CLUSTER_OPS_TOKEN);
      done = await other.waitFor('lb-wave', (s) => s.state === 'done', 90_000);
      await sleep(300);
    } finally {
      await load.stop();
      await fetch(`${cluster.target.urls.admin}/sim/faults`, { method: 'DELETE' });
    }
    const ledger = await writeLedger(load.records, [cluster.source.urls, cluster.target.urls]);
    const s = summarize(load.records);
    t.diagnostic(JSON.stringify({ restarted, exit, committed: done.committed, campaignFailed: done.failed, calls: load.records.length, ...s, ...ledger }));
    assert.deepEqual(exit, { code: 0, signal: null }, 'the driver exited 0 after SIGTERM');
    assert.equal(done.committed, customers.length, `every customer moved: ${JSON.stringify(done.failures)}`);
    assert.equal(ledger.lost, 0, 'every acknowledged write was applied');
    assert.equal(ledger.misrouted, 0, 'no write reached a system its customer had left');
    const unexpected = Object.keys(s.byDetail).filter((k) => k !== 'fault: Server.Dispatcher.customer_migrating');
    assert.deepEqual(unexpected, [], `calls failed other than being held too long: ${JSON.stringify(s.byDetail)}`);
    assert.ok(ledger.acknowledged > 50, 'the writes ran');
  });
});
