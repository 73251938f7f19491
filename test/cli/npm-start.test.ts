import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { cliEnv, goneWithin, startDemo } from '../helpers/cli.ts';

/** Whether something still accepts connections at `url`'s port. */
async function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  try {
    await Promise.race([once(socket, 'connect'), once(socket, 'error').then(([e]) => { throw e; })]);
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
  test(`${signal} to \`npm start\` stops the demo: its process ends, its ports are free, its state file is gone`, { timeout: 120_000 }, async (t) => {
    const demo = await startDemo(t, cliEnv(t), { npm: true });
    const urls = [demo.ready.dispatcher.admin!, demo.ready.ops.url, demo.ready.source.urls.admin!, demo.ready.target.urls.admin!];
    for (const url of urls) assert.equal(await listening(url), true, `${url} serves while the demo runs`);
    assert.notEqual(demo.ready.pid, demo.child.pid, 'the demo runs under npm, not as npm');
    demo.child.kill(signal);
    // SIGKILL forwards nothing: the demo notices that its parent is gone.
    assert.equal(await goneWithin(demo.ready.pid, 60_000), true, `the demo process ended; it printed: ${demo.stderr()}`);
    for (const url of urls) assert.equal(await listening(url), false, `${url} is free; the demo printed: ${demo.stderr()}`);
    assert.equal(existsSync(demo.ready.state), false, `a stopped demo leaves no state behind; the demo printed: ${demo.stderr()}`);
  });
}
