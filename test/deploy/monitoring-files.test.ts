import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { startStack, migrate, login, call } from '../helpers/stack.ts';
import { campaignApi } from '../helpers/campaigns.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';

/** Labels Prometheus adds itself (target labels) or that templates use for the alert's own value. */
const SCRAPE_LABELS = new Set(['instance', 'job']);
const SUFFIXES = ['_bucket', '_sum', '_count'];

interface Query { where: string; expr: string; templateLabels: string[] }

function grafanaQueries(): Query[] {
  const dash = JSON.parse(readFileSync('deploy/grafana-dashboard.json', 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string; legendFormat?: string }> }> };
  assert.ok(dash.panels.length >= 10, 'the dashboard has its panels');
  return dash.panels.flatMap((p) => p.targets.map((tg) => ({
    where: `grafana panel "${p.title}"`, expr: tg.expr,
    templateLabels: [...(tg.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!),
  })));
}

function alertQueries(): Query[] {
  const doc = parseYaml(readFileSync('deploy/prometheus-alerts.yml', 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string; annotations?: Record<string, string> }> }> };
  const rules = doc.groups.flatMap((g) => g.rules);
  for (const name of ['WebDispatcherSystemDown', 'WebDispatcherErrorRateHigh', 'WebDispatcherHeldCallsPilingUp', 'WebDispatcherCampaignPaused', 'WebDispatcherConfigDrift', 'WebDispatcherRoutingIndexNotReady']) {
    assert.ok(rules.some((r) => r.alert === name), `an alert rule ${name} (a system down, error rate, held calls, a paused campaign, drift, the routing index)`);
  }
  return rules.map((r) => ({
    where: `alert ${r.alert}`, expr: r.expr,
    templateLabels: [...Object.values(r.annotations ?? {}).join(' ').matchAll(/\$labels\.(\w+)/g)].map((m) => m[1]!),
  }));
}

/** Metric name → the label names its series carry in a /metrics exposition. */
function exposition(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? /.exec(line);
    if (m === null) continue;
    const labels = out.get(m[1]!) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/(\w+)="/g)) labels.add(l[1]!);
    out.set(m[1]!, labels);
  }
  return out;
}

/** Every metric a query names must exist with every label it matches on, groups by or prints. */
function problemsOf(q: Query, seen: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  const metrics = [...q.expr.matchAll(/\b(webdispatcher_\w+)(\{[^}]*\})?/g)];
  if (metrics.length === 0) problems.push(`${q.where}: names no webdispatcher metric`);
  const grouped = [...q.expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim()).filter(Boolean));
  const labelsOfAll = new Set<string>();
  for (const [, name, matchers] of metrics) {
    const labels = seen.get(name!);
    if (labels === undefined) {
      problems.push(`${q.where}: ${name} is not in /metrics`);
      continue;
    }
    for (const l of labels) labelsOfAll.add(l);
    for (const l of [...(matchers ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]!)) {
      if (!labels.has(l)) problems.push(`${q.where}: ${name} has no label ${l} (it has ${[...labels].join(', ') || 'none'})`);
    }
    const isHistogramPart = SUFFIXES.some((s) => name!.endsWith(s));
    for (const l of grouped) {
      if (l === 'le' && !isHistogramPart) problems.push(`${q.where}: groups ${name} by le, which only _bucket series have`);
      else if (!labels.has(l)) problems.push(`${q.where}: groups ${name} by ${l}, a label it does not have`);
    }
  }
  for (const l of q.templateLabels) {
    if (!SCRAPE_LABELS.has(l) && !labelsOfAll.has(l)) problems.push(`${q.where}: prints {{${l}}}, a label none of its metrics has`);
  }
  return problems;
}

test('every metric and label the Grafana dashboard and the alert rules use is in /metrics of a working dispatcher', { timeout: 120_000 }, async (t) => {
  const stack = await startStack(t, { sourceCustomers: 8, targetCustomers: 3, config: { ops: { checkIntervalMs: 200, totalsIntervalMs: 200, trafficStepMs: 200 }, drift: { intervalMs: 0 } } });
  const ops = stack.url('ops');
  const auth = { authorization: 'Bearer demo-ops-token' };
  // Exercise what makes the counters appear: calls, a fault from a system, a degraded login,
  // a cutover, a campaign, a drift run.
  const admin = stack.url('admin');
  const token = await login(admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  await call(admin, 'Customer/get_customer_list', { limit: 5 }, token);
  await call(admin, 'Customer/get_customer_info', { i_customer: 999_999 }, token);
  await fetch(`${stack.target.urls.admin}/sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage: 'reset' }) });
  await login(admin, DEMO_ADMIN.login, { token: DEMO_ADMIN.token });
  await fetch(`${stack.target.urls.admin}/sim/faults`, { method: 'DELETE' });
  await migrate(stack, 1, 'target');
  const campaigns = campaignApi(ops);
  assert.equal((await campaigns.create({ name: 'wave-1', customers: [2, 3], batchSize: 1, concurrency: 1 })).status, 201);
  await campaigns.act('wave-1', 'start');
  await campaigns.waitFor('wave-1', (s) => s.state === 'done');
  assert.equal((await fetch(`${ops}/v1/drift`, { method: 'POST', headers: auth })).status, 200);
  // The watchers have run at least once (totals and checks feed gauges; the campaign driver
  // refreshes its gauges every 5 s).
  const deadline = Date.now() + 15_000;
  let text = '';
  for (;;) {
    text = await (await fetch(`${ops}/metrics`, { headers: auth })).text();
    if (['system_customers', 'backend_up', 'campaign_state'].every((m) => new RegExp(`^webdispatcher_${m}\\{`, 'm').test(text)) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const seen = exposition(text);
  const queries = [...grafanaQueries(), ...alertQueries()];
  const problems = queries.flatMap((q) => problemsOf(q, seen));
  assert.deepEqual(problems, [], `the monitoring files match /metrics:\n${problems.join('\n')}`);

  // The checker itself: a misspelt metric or label in a query is reported.
  assert.deepEqual(problemsOf({ where: 'probe', expr: 'sum by (sytem) (rate(webdispatcher_system_calls_total[5m]))', templateLabels: [] }, seen),
    ['probe: groups webdispatcher_system_calls_total by sytem, a label it does not have']);
  assert.deepEqual(problemsOf({ where: 'probe', expr: 'webdispatcher_backend_upp == 0', templateLabels: ['system'] }, seen),
    ['probe: webdispatcher_backend_upp is not in /metrics', 'probe: prints {{system}}, a label none of its metrics has']);
});
