import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startStack, type Stack } from '../helpers/stack.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import type { ReconcileReport } from '../../src/consistency/reconcile-report.ts';

const exec = promisify(execFile);
const bin = new URL('../../bin/webdispatcher.js', import.meta.url).pathname;
const OPS = 'demo-ops-token';

interface CliResult { code: number; stdout: string; stderr: string }

async function cli(stack: Stack, ...args: string[]): Promise<CliResult> {
  const env = { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1', WEBDISPATCHER_OPS_URL: stack.url('ops'), WEBDISPATCHER_OPS_TOKEN: OPS };
  try {
    const r = await exec(process.execPath, [bin, 'directory', 'reconcile', ...args], { env, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function ops(stack: Stack, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${stack.url('ops')}${path}`, {
    method, headers: { authorization: `Bearer ${OPS}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The ids a simulator lists active, asked of it directly. */
async function activeOn(url: string): Promise<number[]> {
  const login = await fetch(`${url}/rest/Session/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } }) });
  const token = ((await login.json()) as { access_token: string }).access_token;
  const res = await fetch(`${url}/rest/Customer/get_customer_list`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ params: { skip_exported: 1 } }) });
  return ((await res.json()) as { customer_list: Array<{ i_customer: number }> }).customer_list.map((c) => c.i_customer);
}

/** A transfer made on the simulators only, behind the dispatcher's back. */
async function transferBehindTheBack(stack: Stack, iCustomer: number): Promise<void> {
  const r = await fetch(`${stack.source.urls.admin}/sim/transfer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i_customer: iCustomer, target: stack.target.urls.admin }) });
  assert.equal(r.status, 200, await r.text());
}

test('reconcile finds an entry set wrong and a customer moved behind the dispatcher\'s back; --fix repairs both, and not a customer in a cutover (CLI)', { timeout: 120_000 }, async (t) => {
  // Three customers per page: every list takes many pages.
  const stack = await startStack(t, { config: { reconcile: { pageSize: 3 } } });
  const directory = stack.dispatcher.dispatcher.directory;
  const clean = await cli(stack);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.match(clean.stdout, /^clean/m);

  const odd = (await activeOn(stack.source.urls.admin)).filter((id) => id % 2 === 1);
  const [wrong, moved, cutover] = odd;
  assert.ok(wrong !== undefined && moved !== undefined && cutover !== undefined, 'the source holds odd customers');
  await directory.putCustomer({ iCustomer: wrong, system: 'target' });
  await transferBehindTheBack(stack, moved);
  // A customer in a cutover (begun through the dispatcher, copied, not committed) is left alone.
  const begin = await ops(stack, 'POST', `/v1/migrations/${cutover}/begin`);
  assert.equal(begin.status, 200, JSON.stringify(begin.json));
  await transferBehindTheBack(stack, cutover);

  const found = await cli(stack, '--format', 'json');
  assert.equal(found.code, 1, found.stdout + found.stderr);
  const report = JSON.parse(found.stdout) as ReconcileReport;
  assert.equal(report.outcome, 'found');
  assert.deepEqual(report.findings.misplaced, { count: 1, ids: [{ iCustomer: wrong, directory: 'target', activeOn: ['source'] }] });
  assert.deepEqual(report.findings.unlisted, { count: 1, ids: [{ iCustomer: moved, directory: null, activeOn: ['target'] }] });
  assert.equal(report.findings.absent.count, 0);
  assert.equal(report.findings.onBoth.count, 0);
  assert.equal(report.counts.moving, 1);
  assert.equal(report.fixed.count, 0, 'a report changes nothing');
  assert.equal((await directory.getCustomer(wrong))?.system, 'target');

  const table = await cli(stack);
  assert.equal(table.code, 1);
  assert.match(table.stdout, new RegExp(`^misplaced +${wrong} +target +source$`, 'm'));
  assert.match(table.stdout, new RegExp(`^unlisted +${moved} +\\(none\\) +target$`, 'm'));
  const metrics = await (await fetch(`${stack.url('ops')}/metrics`)).text();
  assert.match(metrics, /webdispatcher_directory_reconcile_findings\{kind="misplaced"\} 1/);

  const fixed = await cli(stack, '--fix');
  assert.equal(fixed.code, 1, 'the fixing run reports what it found');
  assert.match(fixed.stdout, new RegExp(`^fixed ${wrong}: target → source \\(misplaced\\)$`, 'm'));
  assert.match(fixed.stdout, new RegExp(`^fixed ${moved}: \\(no entry\\) → target \\(unlisted\\)$`, 'm'));
  assert.equal((await directory.getCustomer(wrong))?.system, 'source');
  assert.equal((await directory.getCustomer(moved))?.system, 'target');
  assert.equal((await directory.getCustomer(cutover))?.state, 'moving', 'the customer in a cutover was not touched');

  const after = await cli(stack);
  assert.equal(after.code, 0, after.stdout + after.stderr);
});

test('the API: POST reports, POST {"fix":true} repairs, GET answers the last report; bad bodies and no service login are refused', { timeout: 120_000 }, async (t) => {
  const stack = await startStack(t, { config: { reconcile: { pageSize: 4 } } });
  const directory = stack.dispatcher.dispatcher.directory;
  const none = await ops(stack, 'GET', '/v1/directory/reconcile');
  assert.equal(none.status, 200);
  assert.equal(none.json.report, null);

  const odd = (await activeOn(stack.source.urls.admin)).filter((id) => id % 2 === 1);
  const [wrong, moved] = odd as [number, number];
  await directory.putCustomer({ iCustomer: wrong, system: 'target' });
  await transferBehindTheBack(stack, moved);

  const report = await ops(stack, 'POST', '/v1/directory/reconcile');
  assert.equal(report.status, 200, JSON.stringify(report.json));
  const r1 = report.json.report as ReconcileReport;
  assert.deepEqual([r1.findings.misplaced.count, r1.findings.unlisted.count], [1, 1]);

  const fix = await ops(stack, 'POST', '/v1/directory/reconcile', { fix: true });
  const r2 = fix.json.report as ReconcileReport;
  assert.deepEqual(r2.fixed.entries.map((e) => [e.iCustomer, e.from, e.to]), [[wrong, 'target', 'source'], [moved, null, 'target']]);
  assert.equal((await directory.getCustomer(moved))?.system, 'target');

  const last = await ops(stack, 'GET', '/v1/directory/reconcile');
  assert.equal((last.json.report as ReconcileReport).startedAt, r2.startedAt);
  const again = await ops(stack, 'POST', '/v1/directory/reconcile', {});
  assert.equal((again.json.report as ReconcileReport).outcome, 'clean');

  const bad = await ops(stack, 'POST', '/v1/directory/reconcile', { fix: 'yes' });
  assert.equal(bad.status, 400);
  assert.match(String(bad.json.faultstring), /fix must be true or false/);

  const bare = await startStack(t, { config: { ops: { token: OPS, serviceLogin: undefined } } });
  const refused = await ops(bare, 'POST', '/v1/directory/reconcile');
  assert.equal(refused.status, 503);
  assert.match(String(refused.json.faultstring), /ops\.serviceLogin/);
});

test('a system that cannot be read makes the run incomplete (exit 2), naming it', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t);
  await stack.target.close();
  const r = await cli(stack);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /could not compare: .*target/);
});
