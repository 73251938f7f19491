import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learnStage } from './learn-stage.ts';
import { MemoryDirectory } from '../../directory/memory-directory.ts';
import { OwnedLearner } from '../../directory/owned-learner.ts';
import type { Reply } from '../../core/reply.ts';
import type { ForwardedEnvelope } from '../../core/forwarded-envelope.ts';
import type { SystemCall } from '../system-call.ts';
import { jsonOk, recordingLogger, session, systemCall } from '../../../test/helpers/stages.ts';

/** Runs the stage over one call whose backend answers `reply`; returns what the stage answered and whether it asked for text. */
async function run(stage: ReturnType<typeof learnStage>, ctx: SystemCall, reply: Reply): Promise<{ reply: Reply; wantText: boolean | undefined }> {
  let wantText: boolean | undefined;
  const out = await stage(ctx, async () => { wantText = ctx.wantText; return reply; });
  return { reply: out, wantText };
}

test('an add_customer reply teaches the directory where the new customer lives, with its login and name', async () => {
  const directory = new MemoryDirectory();
  const stage = learnStage(directory, recordingLogger());
  const reply = jsonOk({ i_customer: 41 });
  const out = await run(stage, systemCall({ call: { service: 'Customer', method: 'add_customer', params: { customer_info: { login: 'acme', name: 'Acme Ltd' } } }, system: 'target' }), reply);
  assert.equal(out.reply, reply, 'the reply passes unchanged');
  assert.equal(out.wantText, true, 'a creating call reads its reply as text');
  const loc = await directory.getCustomer(41);
  assert.equal(loc?.system, 'target');
  assert.deepEqual(await directory.findKey('customer-login', 'acme'), { iCustomer: 41 });
  assert.deepEqual(await directory.findKey('customer-name', 'Acme Ltd'), { iCustomer: 41 });
});

test('an add_customer without customer_info is read from the params themselves; keys that are no strings are not learned', async () => {
  const directory = new MemoryDirectory();
  const stage = learnStage(directory, recordingLogger());
  await run(stage, systemCall({ call: { method: 'add_customer', params: { login: 'flat', name: 'Flat Co' } }, system: 'source' }), jsonOk({ i_customer: 42 }));
  assert.equal((await directory.getCustomer(42))?.system, 'source');
  assert.deepEqual(await directory.findKey('customer-login', 'flat'), { iCustomer: 42 });
  assert.deepEqual(await directory.findKey('customer-name', 'Flat Co'), { iCustomer: 42 });

  await run(stage, systemCall({ call: { method: 'add_customer', params: { customer_info: { login: 17, name: ['x'] } } }, system: 'target' }), jsonOk({ i_customer: 43 }));
  assert.equal((await directory.getCustomer(43))?.system, 'target');
  assert.equal(await directory.findKey('customer-login', '17'), undefined, 'a login that is a number is no key');
  assert.equal(await directory.findKey('customer-name', 'x'), undefined, 'a name that is an array is no key');
});

test('an add_account reply records the account under the customer its params name, with its id and login', async () => {
  const directory = new MemoryDirectory();
  const stage = learnStage(directory, recordingLogger());
  await run(stage, systemCall({ call: { service: 'Account', method: 'add_account', params: { account_info: { i_customer: 7, id: '3580001', login: 'bob' } } } }), jsonOk({ i_account: 70 }));
  assert.equal(await directory.getAccountOwner(70), 7);
  assert.deepEqual(await directory.findKey('account-id', '3580001'), { iCustomer: 7, iAccount: 70 });
  assert.deepEqual(await directory.findKey('account-login', 'bob'), { iCustomer: 7, iAccount: 70 });

  // Without account_info: the params themselves; an id or login that is no string is no key.
  await run(stage, systemCall({ call: { service: 'Account', method: 'add_account', params: { i_customer: 8, id: 3580002, login: null } } }), jsonOk({ i_account: 80 }));
  assert.equal(await directory.getAccountOwner(80), 8);
  assert.equal(await directory.findKey('account-id', '3580002'), undefined);
  assert.equal(await directory.findKey('account-login', 'null'), undefined);
});

test('a creating call teaches nothing when its reply or params do not name the record and its owner', async () => {
  const directory = new MemoryDirectory();
  const logger = recordingLogger();
  const stage = learnStage(directory, logger);
  const cases: Array<[string, Record<string, unknown>, Reply]> = [
    ['add_customer', { customer_info: { login: 'a' } }, jsonOk({ i_customer: '51' })],
    ['add_customer', { customer_info: { login: 'b' } }, jsonOk({ i_account: 52 })],
    ['add_customer', { customer_info: { login: 'c' } }, jsonOk({ i_customer: 53 }, 500)],
    ['add_customer', { customer_info: { login: 'd' } }, { ...jsonOk({ i_customer: 54 }), body: Buffer.from('{"i_customer":54}') }],
    ['add_customer', { customer_info: { login: 'e' } }, jsonOk('not json')],
    ['add_customer', { customer_info: { login: 'f' } }, jsonOk('null')],
    ['add_customer', { customer_info: { login: 'g' } }, jsonOk('55')],
    ['add_account', { account_info: { i_customer: 9, id: 'x1' } }, jsonOk({ i_account: '56' })],
    ['add_account', { account_info: { i_customer: 9, id: 'x2' } }, jsonOk({ i_customer: 57 })],
    ['add_account', { account_info: { i_customer: '9', id: 'x3' } }, jsonOk({ i_account: 58 })],
    ['add_account', { account_info: { id: 'x4' } }, jsonOk({ i_account: 59 })],
    ['update_customer', { customer_info: { i_customer: 60, login: 'h' } }, jsonOk({ i_customer: 60 })],
  ];
  for (const [method, params, reply] of cases) {
    const out = await run(stage, systemCall({ call: { method, params: params as never } }), reply);
    assert.equal(out.reply, reply, `${method} ${JSON.stringify(params)}`);
  }
  for (const id of [51, 52, 53, 54, 55, 57, 60]) assert.equal(await directory.getCustomer(id), undefined, `customer ${id}`);
  for (const id of [56, 58, 59]) assert.equal(await directory.getAccountOwner(id), undefined, `account ${id}`);
  for (const login of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) assert.equal(await directory.findKey('customer-login', login), undefined, login);
  for (const id of ['x1', 'x2', 'x3', 'x4']) assert.equal(await directory.findKey('account-id', id), undefined, id);
  assert.deepEqual(logger.lines, [], 'nothing went wrong');
});

test('a directory that fails while learning is logged; the call still answers its reply', async () => {
  const directory = new MemoryDirectory();
  directory.putCustomer = () => Promise.reject(new Error('directory down'));
  const logger = recordingLogger();
  const stage = learnStage(directory, logger);
  const reply = jsonOk({ i_customer: 61 });
  const out = await run(stage, systemCall({ call: { method: 'add_customer', params: { customer_info: { login: 'z' } }, requestId: 'req-61' } }), reply);
  assert.equal(out.reply, reply);
  assert.deepEqual(logger.lines, [{ level: 'warn', msg: 'could not record a created record in the directory', fields: { requestId: 'req-61', error: 'directory down' } }]);
});

test('add_alias and add_subscription replies record the owned record with the owner the params name', async () => {
  const directory = new MemoryDirectory();
  await directory.putAccount(300, 30);
  const owned = new OwnedLearner(directory, recordingLogger());
  const logger = recordingLogger();
  const stage = learnStage(directory, logger, owned);
  await run(stage, systemCall({ call: { service: 'Account', method: 'add_alias', params: { alias_info: { i_master_account: 300, id: 'al' } } } }), jsonOk({ i_alias: 3001 }));
  assert.deepEqual(await directory.getOwner('alias', 3001), { iCustomer: 30, iAccount: 300 });
  await run(stage, systemCall({ call: { method: 'add_subscription', params: { i_customer: 31, subscription_info: {} } } }), jsonOk({ i_customer_subscription: 3101 }));
  assert.deepEqual(await directory.getOwner('subscription', 3101), { iCustomer: 31 });

  // An id or owner that is not a positive safe integer records nothing.
  for (const bad of [0, -1, 1.5, 2 ** 53, '3002']) {
    await run(stage, systemCall({ call: { service: 'Account', method: 'add_alias', params: { alias_info: { i_master_account: 300 } } } }), jsonOk({ i_alias: bad as number }));
    await run(stage, systemCall({ call: { service: 'Account', method: 'add_alias', params: { alias_info: { i_master_account: bad as number } } } }), jsonOk({ i_alias: 3003 }));
    await run(stage, systemCall({ call: { method: 'add_subscription', params: { i_customer: 31 } } }), jsonOk({ i_customer_subscription: bad as number }));
    await run(stage, systemCall({ call: { method: 'add_subscription', params: { i_customer: bad as number } } }), jsonOk({ i_customer_subscription: 3102 }));
  }
  await run(stage, systemCall({ call: { service: 'Account', method: 'add_alias', params: {} } }), jsonOk({ i_alias: 3004 }));
  for (const [kind, id] of [['alias', 3003], ['alias', 3004], ['subscription', 3102], ['alias', 3002], ['subscription', 3002]] as const) {
    assert.equal(await directory.getOwner(kind, id), undefined, `${kind} ${id}`);
  }
  // Nothing of that reached the directory (which would have refused it, logged as a failure); an alias of an unknown account without a reader waits.
  await run(stage, systemCall({ call: { service: 'Account', method: 'add_alias', params: { alias_info: { i_master_account: 301 } } } }), jsonOk({ i_alias: 3006 }));
  assert.equal(await directory.getOwner('alias', 3006), undefined);
  assert.deepEqual(logger.lines, []);
});

test('the owner of an alias\'s account the directory does not know is read on the system that answered, with the caller\'s session', async () => {
  const directory = new MemoryDirectory();
  const owned = new OwnedLearner(directory, recordingLogger());
  const asked: unknown[] = [];
  const s = session({ id: 'sess-9' });
  const stage = learnStage(directory, recordingLogger(), owned, async (system, sess, requestId, iAccount) => {
    asked.push([system, sess.id, requestId, iAccount]);
    return 33;
  });
  await run(stage, systemCall({ call: { service: 'Account', method: 'add_alias', params: { alias_info: { i_master_account: 330 } }, requestId: 'req-33' }, session: s, system: 'source' }), jsonOk({ i_alias: 3301 }));
  assert.deepEqual(asked, [['source', 'sess-9', 'req-33', 330]]);
  assert.deepEqual(await directory.getOwner('alias', 3301), { iCustomer: 33, iAccount: 330 });
});

test('without an owned-record learner an add_alias records nothing and the call answers', async () => {
  const directory = new MemoryDirectory();
  await directory.putAccount(300, 30);
  const logger = recordingLogger();
  const stage = learnStage(directory, logger);
  const reply = jsonOk({ i_alias: 3005 });
  assert.equal((await run(stage, systemCall({ call: { service: 'Account', method: 'add_alias', params: { alias_info: { i_master_account: 300 } } } }), reply)).reply, reply);
  assert.equal(await directory.getOwner('alias', 3005), undefined);
  assert.deepEqual(logger.lines, [], 'not even tried');
});

test('a created record in a forwarded envelope\'s reply is read by the envelope\'s format', async () => {
  const directory = new MemoryDirectory();
  const stage = learnStage(directory, recordingLogger());
  const seen: string[] = [];
  const envelope = { resultOf: (body: string) => { seen.push(body); return { i_customer: 62 }; } } as unknown as ForwardedEnvelope;
  await run(stage, systemCall({ call: { method: 'add_customer', params: { customer_info: { login: 'soapy' } } }, payload: { body: '', envelope } }), jsonOk('<soap/>'));
  assert.deepEqual(seen, ['<soap/>']);
  assert.equal((await directory.getCustomer(62))?.system, 'target');
});

test('list and info replies the learner wants are offered to it whole; others, failures and streams are not', async () => {
  const directory = new MemoryDirectory();
  await directory.putAccount(400, 40);
  const owned = new OwnedLearner(directory, recordingLogger());
  const stage = learnStage(directory, recordingLogger(), owned);
  const list = { invoice_list: [{ i_invoice: 4001, i_customer: 40 }] };
  const ctx = (method: string, service = 'Invoice') => systemCall({ call: { service, method } });
  let out = await run(stage, ctx('get_invoice_list'), jsonOk(list));
  assert.equal(out.wantText, undefined, 'an observed reply is not asked for as text');
  await run(stage, ctx('get_invoice_info'), { ...jsonOk({}), body: Buffer.from(JSON.stringify({ invoice_info: { i_invoice: 4002, i_customer: 40 } })) });
  await run(stage, ctx('get_invoice_list'), jsonOk({ invoice_list: [{ i_invoice: 4003, i_customer: 40 }] }, 500));
  await run(stage, ctx('get_customer_info', 'Customer'), jsonOk({ customer_info: { i_invoice: 4004, i_customer: 40 } }));
  out = await run(stage, ctx('get_invoice_list'), { ...jsonOk({}), body: (async function* () { yield Buffer.from(JSON.stringify({ invoice_list: [{ i_invoice: 4005, i_customer: 40 }] })); })() as never });
  await owned.settled();
  assert.deepEqual(await directory.getOwner('invoice', 4001), { iCustomer: 40 });
  assert.deepEqual(await directory.getOwner('invoice', 4002), { iCustomer: 40 });
  for (const id of [4003, 4004, 4005]) assert.equal(await directory.getOwner('invoice', id), undefined, `invoice ${id}`);
});

test('a forwarded envelope\'s list reply is offered as its result in JSON', async () => {
  const directory = new MemoryDirectory();
  const owned = new OwnedLearner(directory, recordingLogger());
  const stage = learnStage(directory, recordingLogger(), owned, async () => 44);
  const envelope = { resultOf: (body: string) => (body === '<list/>' ? { invoice_list: [{ i_invoice: 4401, i_account: 440 }] } : undefined) } as unknown as ForwardedEnvelope;
  await run(stage, systemCall({ call: { service: 'Invoice', method: 'get_invoice_list' }, payload: { body: '', envelope } }), jsonOk('<list/>'));
  await run(stage, systemCall({ call: { service: 'Invoice', method: 'get_invoice_list' }, payload: { body: '', envelope } }), jsonOk('<unreadable/>'));
  await owned.settled();
  assert.deepEqual(await directory.getOwner('invoice', 4401), { iCustomer: 44, iAccount: 440 });
});
