import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startStack } from '../helpers/stack.ts';
import { parseIdsFile } from '../../src/cli/campaign-command.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/webdispatcher.js', import.meta.url).pathname;

test('an ids file lists ids by newline, comma or space with comments, and a bad entry is named with its line', () => {
  assert.deepEqual(parseIdsFile('1\n3, 5 7\n# all odd\n9 # last\n'), [1, 3, 5, 7, 9]);
  assert.throws(() => parseIdsFile('1\n2x\n'), /line 2: "2x" is not an i_customer/);
});

test('the campaign CLI creates from an ids file, starts, follows to the end in plain lines and lists', { timeout: 60_000 }, async (t) => {
  const stack = await startStack(t, { sourceCustomers: 10, targetCustomers: 3 });
  const dir = mkdtempSync(join(tmpdir(), 'wd-campaign-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ids = join(dir, 'ids.txt');
  writeFileSync(ids, '1\n3\n5 # John and two more\n');
  const env = { ...process.env, WEBDISPATCHER_FROM_SOURCE: '1', WEBDISPATCHER_OPS_URL: stack.url('ops'), WEBDISPATCHER_OPS_TOKEN: 'demo-ops-token' };
  const cli = (...args: string[]) => run(process.execPath, [bin, 'campaign', ...args], { env, timeout: 30_000 });
  const created = await cli('create', 'cli-wave', '--ids-file', ids, '--batch', '2', '--concurrency', '2');
  assert.match(created.stdout, /campaign=cli-wave state=created .*total=3 /);
  await cli('start', 'cli-wave');
  const watched = await cli('status', 'cli-wave', '--watch');
  const last = watched.stdout.trim().split('\n').at(-1)!;
  assert.match(last, /state=done .*committed=3 failed=0/);
  const listed = await cli('list');
  assert.match(listed.stdout, /^campaign=cli-wave state=done/m);
  await assert.rejects(cli('create', 'bad', '--range', '5'), (err: { code: number; stderr: string }) => err.code === 2 && /--range must be FROM-TO/.test(err.stderr));
  await assert.rejects(cli('start', 'nope'), (err: { code: number; stderr: string }) => err.code === 1 && /HTTP 404: No campaign named "nope"/.test(err.stderr));
});
