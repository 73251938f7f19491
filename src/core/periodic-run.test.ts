import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeriodicRun } from './periodic-run.ts';

/** Waits until `done()` holds, polling; bounded so a broken schedule fails instead of hanging. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await sleep(5);
  assert.ok(done(), what);
}

test('runs again after each run ends, never two at once; a failed run does not stop the schedule', async () => {
  let active = 0;
  let overlapped = false;
  let runs = 0;
  const errors: string[] = [];
  const p = new PeriodicRun({
    intervalMs: 1,
    run: async () => {
      active++;
      if (active > 1) overlapped = true;
      runs++;
      await sleep(3);
      active--;
      if (runs === 2) throw new Error('second run failed');
    },
    onError: (err) => errors.push(err.message),
  });
  assert.equal(p.nextRunAt(), null, 'nothing scheduled before start');
  p.start();
  await until(() => runs >= 5, 'five runs');
  p.stop();
  assert.equal(overlapped, false);
  assert.deepEqual(errors, ['second run failed']);
});

test('stop: no run after it, nextRunAt null, and start does nothing any more', async () => {
  let runs = 0;
  const p = new PeriodicRun({ intervalMs: 60_000, run: async () => { runs++; }, onError: () => undefined });
  p.start(60_000);
  const next = p.nextRunAt();
  assert.ok(next !== null && Date.parse(next) > Date.now() + 50_000, `the first run is a minute out: ${next}`);
  p.stop();
  assert.equal(p.nextRunAt(), null);
  p.start(1);
  await sleep(20);
  assert.equal(runs, 0);
});

test('the first run can come sooner than the interval', async () => {
  let runs = 0;
  const p = new PeriodicRun({ intervalMs: 3_600_000, run: async () => { runs++; }, onError: () => undefined });
  p.start(1);
  await until(() => runs === 1 && p.nextRunAt() !== null, 'the first run, then the next scheduled');
  const next = p.nextRunAt();
  assert.ok(next !== null && Date.parse(next) > Date.now() + 3_000_000, 'then one interval');
  p.stop();
});
