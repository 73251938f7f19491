import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { cliEnv, runCli } from '../helpers/cli.ts';

/** Every command and subcommand a user can type, with the words its usage line starts with. */
const COMMANDS: string[][] = [
  ['demo'], ['start'], ['check-config'], ['migrate'], ['sim'], ['locate'], ['drift'],
  ['campaign'], ['campaign', 'create'], ['campaign', 'start'], ['campaign', 'pause'], ['campaign', 'resume'],
  ['campaign', 'abort'], ['campaign', 'rollback'], ['campaign', 'status'], ['campaign', 'list'],
  ['directory'], ['directory', 'import'], ['directory', 'reconcile'],
];

/** Runs `fn` over `items`, `width` at a time (each run is a process). */
async function inBatches<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

const oneLineOfStderr = (stderr: string) => stderr.split('\n').filter((l) => l !== '');

test('--help and -h on every command and subcommand print its usage to stdout and exit 0', { timeout: 180_000 }, async (t) => {
  const env = cliEnv(t);
  const top = await runCli(['--help'], env);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /^usage: webdispatcher <command>/);
  // The list above covers every command the top-level usage names.
  const listed = [...top.stdout.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]!);
  assert.deepEqual(listed.filter((name) => !COMMANDS.some((c) => c.length === 1 && c[0] === name)), []);
  await inBatches(COMMANDS, 4, async (words) => {
    for (const flag of ['--help', '-h']) {
      const r = await runCli([...words, flag], env);
      assert.equal(r.code, 0, `${words.join(' ')} ${flag}: ${r.stderr}`);
      assert.equal(r.stderr, '', `${words.join(' ')} ${flag} writes nothing to stderr`);
      assert.ok(r.stdout.startsWith(`usage: webdispatcher ${words.join(' ')}`), `${words.join(' ')} ${flag} prints its own usage: ${r.stdout.split('\n')[0]}`);
    }
  });
  // Help wins over other mistakes on the line, and `help CMD` is the same as `CMD --help`.
  const mixed = await runCli(['migrate', '--bogus', '--help'], env);
  assert.equal(mixed.code, 0);
  assert.match(mixed.stdout, /^usage: webdispatcher migrate/);
  const viaHelp = await runCli(['help', 'locate'], env);
  assert.equal(viaHelp.code, 0);
  assert.match(viaHelp.stdout, /^usage: webdispatcher locate/);
});

test('an unknown flag on every command and subcommand is one line on stderr and exit 2', { timeout: 180_000 }, async (t) => {
  const env = cliEnv(t);
  await inBatches(COMMANDS.filter((c) => !(c.length === 1 && (c[0] === 'campaign' || c[0] === 'directory'))), 4, async (words) => {
    const r = await runCli([...words, '--bogus-flag'], env);
    assert.equal(r.code, 2, `${words.join(' ')}: ${r.stderr}`);
    assert.deepEqual(oneLineOfStderr(r.stderr), [`webdispatcher ${words.join(' ')}: unknown option --bogus-flag`]);
    assert.equal(r.stdout, '');
  });
  const typo = await runCli(['migrate', '--custmer', '1'], env);
  assert.equal(typo.code, 2);
  assert.deepEqual(oneLineOfStderr(typo.stderr), ['webdispatcher migrate: unknown option --custmer (did you mean --customer?)']);
  const command = await runCli(['migrat'], env);
  assert.equal(command.code, 2);
  assert.match(command.stderr, /^webdispatcher: unknown command "migrat" \(did you mean migrate\?\)[^\n]*\n$/);
  const sub = await runCli(['campaign', 'strat', 'x'], env);
  assert.equal(sub.code, 2);
  assert.match(sub.stderr, /^webdispatcher campaign: unknown command "strat" \(did you mean start\?\)[^\n]*\n$/);
});

test('bad or empty values are one line without a stack trace: exit 2 for usage, 1 for a failure', { timeout: 180_000 }, async (t) => {
  const env = cliEnv(t);
  // A loopback port nothing listens on (taken, then given back).
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const closed = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
  await new Promise((r) => probe.close(r));
  const cases: Array<[string[], number, RegExp]> = [
    [['directory', 'import', '--ops-url', ''], 2, /^webdispatcher directory import: option --ops-url needs a value, got an empty one$/],
    [['directory', 'import', 'x.csv', '--ops-url='], 2, /option --ops-url needs a value/],
    [['directory', 'import', '--ops-url'], 2, /^webdispatcher directory import: option --ops-url needs a value$/],
    [['demo', '--customers', 'many'], 2, /^webdispatcher demo: --customers must be a whole number/],
    [['demo', '--help=yes'], 2, /unknown option --help=yes|takes no value/],
    [['migrate', '--customer', 'x'], 2, /^webdispatcher migrate: --customer must be a positive integer, got "x"$/],
    [['migrate', '--customer', '1'], 2, /^webdispatcher migrate: no --ops-url\/--ops-token .*no demo is running$/],
    [['locate', '--customer', '1', '--ops-url', 'nope', '--ops-token', 't'], 2, /^webdispatcher locate: --ops-url must be an http\(s\) URL, got "nope"$/],
    [['locate', '--customer', '1', '--demo', '1234'], 2, /^webdispatcher locate: no running demo has ops port 1234 \(none is running\)$/],
    [['campaign', 'create', 'w', '--ids-file', '/nonexistent/ids'], 2, /^webdispatcher campaign create: ENOENT/],
    [['start'], 2, /^webdispatcher start: missing --config/],
    [['locate', '--customer', '1', '--ops-url', closed, '--ops-token', 't'], 1, /^webdispatcher locate: cannot reach http:\/\/127\.0\.0\.1:\d+: fetch failed: .*ECONNREFUSED/],
  ];
  await inBatches(cases, 4, async ([args, code, line]) => {
    const r = await runCli(args, env);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    const lines = oneLineOfStderr(r.stderr);
    assert.equal(lines.length, 1, `${args.join(' ')}: one line, got ${JSON.stringify(r.stderr)}`);
    assert.match(lines[0]!, line);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  });
});

test('an error no command expected is one line and exit 1; WEBDISPATCHER_DEBUG=1 adds the stack', { timeout: 60_000 }, async (t) => {
  // A port already taken makes the simulator's listen fail deep inside: nothing catches it but main.
  const taken = createServer();
  taken.listen(0, '127.0.0.1');
  await once(taken, 'listening');
  t.after(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  const args = ['sim', '--role', 'source', '--env', '3', '--customers', '1', '--port-base', String(port)];
  const plain = await runCli(args, cliEnv(t));
  assert.equal(plain.code, 1, plain.stderr);
  assert.deepEqual(oneLineOfStderr(plain.stderr).length, 1, plain.stderr);
  assert.match(plain.stderr, /^webdispatcher sim: .*EADDRINUSE/);
  const debug = await runCli(args, cliEnv(t, { WEBDISPATCHER_DEBUG: '1' }));
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /^\s+at /m, 'the stack, for a developer who asked for it');
});
