import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest } from '../../src/core/did-you-mean.ts';
import { httpUrl, oneLine, parseCommand, positiveInt, UsageError, wantsHelp } from '../../src/cli/command-args.ts';

const spec = { name: 'x', usage: 'usage: webdispatcher x\n', maxPositionals: 1, options: { customer: { type: 'string' }, fix: { type: 'boolean' }, arg: { type: 'string', multiple: true } }, allowEmpty: ['arg'] } as const;
const refused = (argv: string[]) => {
  try {
    parseCommand(spec, argv);
  } catch (err) {
    assert.ok(err instanceof UsageError);
    assert.equal(err.command, 'x');
    return err.message;
  }
  return assert.fail(`${argv.join(' ')} was accepted`);
};

test('a mistyped option or command gets the closest known one; an unrelated word gets none', () => {
  assert.equal(closest('custmer', ['customer', 'account']), 'customer');
  assert.equal(closest('ops-tok', ['ops-url', 'ops-token']), 'ops-token');
  assert.equal(closest('zebra', ['customer', 'account']), undefined);
});

test('each parse mistake is one short line', () => {
  assert.equal(refused(['--custmer', '1']), 'unknown option --custmer (did you mean --customer?)');
  assert.equal(refused(['-q']), 'unknown option -q');
  assert.equal(refused(['--customer']), 'option --customer needs a value');
  assert.equal(refused(['--customer', '--fix']), 'option --customer needs a value');
  assert.equal(refused(['--fix=yes']), 'option --fix takes no value');
  assert.equal(refused(['--help=yes']), 'option --help takes no value');
  assert.equal(refused(['a', 'b', 'c']), 'unexpected arguments b c');
  assert.equal(refused(['--customer', '']), 'option --customer needs a value, got an empty one');
  assert.equal(refused(['--customer', '  ']), 'option --customer needs a value, got an empty one');
  for (const m of [refused(['--custmer']), refused(['--customer'])]) assert.doesNotMatch(m, /\n/);
});

test('values parse; an option allowed to be empty may be; help is found before --', () => {
  assert.deepEqual({ ...parseCommand(spec, ['f', '--customer', '7', '--arg', '', '--fix'])?.values }, { customer: '7', arg: [''], fix: true });
  assert.equal(wantsHelp(['--customer', '1', '-h']), true);
  assert.equal(wantsHelp(['--', '--help']), false);
  assert.equal(positiveInt('x', 'customer', '12'), 12);
  assert.throws(() => positiveInt('x', 'customer', '0'), /--customer must be a positive integer, got "0"/);
  assert.equal(httpUrl('x', 'ops-url', 'http://127.0.0.1:9/'), 'http://127.0.0.1:9');
  assert.throws(() => httpUrl('x', 'ops-url', 'ftp://h'), /--ops-url must be an http\(s\) URL/);
});

test('an error and its causes read as one line', () => {
  const err = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9\n  more') });
  assert.equal(oneLine(err), 'fetch failed: connect ECONNREFUSED 127.0.0.1:9 more');
  assert.equal(oneLine('plain'), 'plain');
});
