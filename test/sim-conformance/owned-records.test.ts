import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildRequest, formRequest, hostOf, sendRaw } from '../helpers/wire.ts';
import type { WireReply } from '../helpers/wire.ts';
import { fault, login, ok, restCall, sendJson, simsForSuite } from '../helpers/sim.ts';
import type { JsonReply } from '../helpers/sim.ts';
import { decodeSoapReply } from '../../src/soap/soap-reply.ts';
import type { RunningSimulator } from '../../src/sim/contract.ts';

type Row = Record<string, unknown>;
const enc = encodeURIComponent;
const SOURCE_ENV = 3;
const TARGET_ENV = 8;

interface WriteLogReply {
  applied: Row[];
  refused: Row[];
  applied_count: number;
  refused_count: number;
}

async function writeLog(sim: RunningSimulator, iCustomer: number): Promise<WriteLogReply> {
  const r = await sendJson(sim.urls.admin, buildRequest('GET', `/sim/write-log?i_customer=${iCustomer}`, [['Host', hostOf(sim.urls.admin)]]));
  return ok(r, 'write-log') as unknown as WriteLogReply;
}

function lastApplied(log: WriteLogReply, method: string): Row {
  const hit = log.applied.filter((e) => e['method'] === method).at(-1);
  assert.ok(hit, `an applied ${method} in ${JSON.stringify(log.applied.map((e) => e['method']))}`);
  return hit;
}

function rows(body: Row, key: string): Row[] {
  const v = body[key];
  assert.ok(Array.isArray(v), `${key} is a list`);
  return v as Row[];
}

/** A PHP SoapClient-style rpc/encoded call: un-prefixed session_id in auth_info, SOAPAction "<ns>#<op>". */
function soapCall(base: string, service: string, method: string, requestType: string, paramsXml: string, sessionId: string): Promise<WireReply> {
  const ns = `https://pb.example.com/Porta/SOAP/${service}`;
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n'
    + `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="${ns}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns2="https://pb.example.com/Porta/SOAP/Session" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">`
    + `<SOAP-ENV:Header><ns2:auth_info><session_id>${sessionId}</session_id></ns2:auth_info></SOAP-ENV:Header>`
    + `<SOAP-ENV:Body><ns1:${method}><${requestType} xsi:type="ns1:${requestType}">${paramsXml}</${requestType}></ns1:${method}></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
  return sendRaw(base, buildRequest('POST', `/soap/${service}AdminService`, [
    ['Host', hostOf(base)],
    ['Connection', 'Keep-Alive'],
    ['User-Agent', 'PHP-SOAP/8.2.36'],
    ['Content-Type', 'text/xml; charset=utf-8'],
    ['SOAPAction', `"${ns}#${method}"`],
    ['Content-Length', String(Buffer.byteLength(body))],
  ], body));
}

function soapOk(reply: WireReply): Row {
  assert.equal(reply.status, 200, reply.text);
  return decodeSoapReply(reply.text) as Row;
}

/** The first of the source's seeded customers (from 1 up) that has a DID assigned, and that DID. */
async function customerWithDid(base: string, token: string): Promise<{ iCustomer: number; did: Row }> {
  const list = rows(ok(await restCall(base, 'DID/get_number_list', { limit: 200 }, token), 'number list'), 'number_list');
  const did = list.find((d) => typeof d['i_customer'] === 'number');
  assert.ok(did, 'a seeded DID assigned to a customer');
  return { iCustomer: did['i_customer'] as number, did };
}

describe('owned records: ids that reveal no owner, replies that name it, writes audited under the owner', () => {
  const start = simsForSuite();
  let source: RunningSimulator;
  let target: RunningSimulator;
  let src: string;
  let token: string;
  let sessionId: string;

  before(async () => {
    source = await start({ role: 'source', env: SOURCE_ENV, seed: 1, customers: 40 });
    target = await start({ role: 'target', env: TARGET_ENV, seed: 1, customers: 40 });
    src = source.urls.admin;
    const s = await login(src, { login: 'admin', password: 'demo-admin' });
    token = s.access_token;
    sessionId = s.session_id;
  });

  test('invoice ids are deterministic, unique across both systems, of both parities, and invoice_info names the owner', async () => {
    const again = await start({ role: 'source', env: SOURCE_ENV, seed: 1, customers: 40 });
    const t = (await login(target.urls.admin, { login: 'admin', password: 'demo-admin' })).access_token;
    const a = (await login(again.urls.admin, { login: 'admin', password: 'demo-admin' })).access_token;
    const mine = rows(ok(await restCall(src, 'Invoice/get_invoice_list', { limit: 60 }, token)), 'invoice_list');
    const rerun = rows(ok(await restCall(again.urls.admin, 'Invoice/get_invoice_list', { limit: 60 }, a)), 'invoice_list');
    const theirs = rows(ok(await restCall(target.urls.admin, 'Invoice/get_invoice_list', { limit: 60 }, t)), 'invoice_list');
    const ids = mine.map((i) => i['i_invoice'] as number);
    assert.deepEqual(rerun.map((i) => i['i_invoice']), ids, 'same seed, same ids');
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.some((id) => id % 2 === 0) && ids.some((id) => id % 2 === 1), `parity says nothing: ${ids.slice(0, 8).join(',')}`);
    const targetIds = new Set(theirs.map((i) => i['i_invoice']));
    assert.ok(ids.every((id) => !targetIds.has(id)), 'no id is used by both systems');
    for (const inv of mine.slice(0, 5)) {
      const info = ok(await restCall(src, 'Invoice/get_invoice_info', { i_invoice: inv['i_invoice'] }, token), 'invoice info')['invoice_info'] as Row;
      assert.equal(info['i_customer'], inv['i_customer']);
      assert.equal(info['i_invoice'], inv['i_invoice']);
    }
    fault(await restCall(target.urls.admin, 'Invoice/get_invoice_info', { i_invoice: ids[0] }, t), 'Server.Invoice.invoice_not_found');
  });

  test('Account/add_alias in JSON, form, legacy-path and SOAP styles is listed under its master account and logged under its customer', async () => {
    const json = ok(await restCall(src, 'Account/add_alias', { alias_info: { i_master_account: 1, id: 'alias-json-1' } }, token), 'json add_alias');
    const form = ok(await sendJson(src, formRequest(src, '/rest/Account/add_alias', `auth_info=${enc(JSON.stringify({ session_id: sessionId }))}&params=${enc('{"alias_info":{"i_master_account":1,"id":"alias-form-1"}}')}`)), 'form add_alias');
    const path = ok(await sendJson(src, buildRequest('POST', `/rest/Account/add_alias/${sessionId}/${enc('{"alias_info":{"i_master_account":1,"id":"alias-path-1"}}')}`, [['Host', hostOf(src)], ['Content-Length', '0']])), 'path add_alias');
    const soap = soapOk(await soapCall(src, 'Account', 'add_alias', 'AddAliasRequest', '<alias_info xsi:type="ns1:AliasInfo"><i_master_account xsi:type="xsd:int">1</i_master_account><id xsi:type="xsd:string">alias-soap-1</id></alias_info>', sessionId));
    const created = [json, form, path, soap].map((r) => r['i_alias']);
    assert.ok(created.every((id) => typeof id === 'number'), JSON.stringify(created));
    const list = rows(ok(await restCall(src, 'Account/get_alias_list', { i_master_account: 1 }, token)), 'alias_list');
    assert.deepEqual(list.map((a) => a['id']).sort(), ['alias-form-1', 'alias-json-1', 'alias-path-1', 'alias-soap-1']);
    assert.ok(list.every((a) => a['i_master_account'] === 1));
    const log = await writeLog(source, 1);
    const adds = log.applied.filter((e) => e['method'] === 'Account/add_alias');
    assert.equal(adds.length, 4);
    assert.ok(adds.every((e) => e['i_customer'] === 1 && e['i_account'] === 1));
    fault(await restCall(src, 'Account/add_alias', { alias_info: { i_master_account: 1, id: 'alias-json-1' } }, token), 'Server.Account.duplicate_entry');
    fault(await restCall(src, 'Account/add_alias', { alias_info: { i_master_account: 1, id: '15551230001' } }, token), 'Server.Account.duplicate_entry', 'an account id is taken');
    ok(await restCall(src, 'Account/delete_alias', { alias_info: { i_master_account: 1, i_alias: created[0] } }, token), 'delete by i_alias');
    ok(await restCall(src, 'Account/delete_alias', { alias_info: { i_master_account: 1, id: 'alias-form-1' } }, token), 'delete by id');
    const after = rows(ok(await restCall(src, 'Account/get_alias_list', { i_master_account: 1 }, token)), 'alias_list');
    assert.deepEqual(after.map((a) => a['id']).sort(), ['alias-path-1', 'alias-soap-1']);
    assert.equal(lastApplied(await writeLog(source, 1), 'Account/delete_alias')['i_customer'], 1);
  });

  test('a DID assigned to an account names its owner in number_info, and assignment writes are logged under that customer', async () => {
    const { iCustomer, did } = await customerWithDid(src, token);
    const info = ok(await restCall(src, 'DID/get_number_info', { i_did_number: did['i_did_number'] }, token))['number_info'] as Row;
    assert.equal(info['i_customer'], iCustomer);
    assert.equal(typeof info['i_master_account'], 'number');
    const free = rows(ok(await restCall(src, 'DID/get_number_list', { limit: 200 }, token)), 'number_list').find((d) => d['i_customer'] === null);
    assert.ok(free, 'the inventory has free numbers');
    const assigned = ok(await sendJson(src, buildRequest('POST', '/rest/DID/assign_did_to_account', [
      ['Host', hostOf(src)], ['Content-Type', 'application/json'], ['Authorization', `Bearer ${token}`],
      ['Content-Length', String(Buffer.byteLength(`{"params":{"i_did_number":${String(free['i_did_number'])},"i_master_account":1}}`))],
    ], `{"params":{"i_did_number":${String(free['i_did_number'])},"i_master_account":1}}`)), 'assign');
    assert.deepEqual(assigned, { success: 1 });
    const now = ok(await restCall(src, 'DID/get_number_info', { i_did_number: free['i_did_number'] }, token))['number_info'] as Row;
    assert.equal(now['i_customer'], 1);
    assert.equal(now['i_master_account'], 1);
    const entry = lastApplied(await writeLog(source, 1), 'DID/assign_did_to_account');
    assert.deepEqual(entry['fields'], { i_did_number: free['i_did_number'], i_master_account: 1 });
    fault(await restCall(src, 'DID/assign_did_to_account', { i_did_number: did['i_did_number'], i_master_account: 1 }, token), 'Server.DID.did_number_in_use');
    ok(await restCall(src, 'DID/release_did_from_account', { i_did_number: free['i_did_number'] }, token), 'release');
    assert.equal(lastApplied(await writeLog(source, 1), 'DID/release_did_from_account')['i_account'], 1);
    const mine = rows(ok(await restCall(src, 'DID/get_number_list', { i_customer: 1 }, token)), 'number_list');
    assert.ok(mine.some((d) => d['i_did_number'] === free['i_did_number'] && d['i_master_account'] === null), 'released from the account, still the customer\'s');
  });

  test('AccessControl/create_otp (id = i_account) sends an OTP that verify_otp accepts once, in the creating session only, both logged under the customer', async () => {
    const created = ok(await restCall(src, 'AccessControl/create_otp', { send_to: 'account', id: 1, notification_type: 'mail', operation: 'General' }, token), 'create_otp');
    assert.deepEqual(created, { success: 1 });
    const box = ok(await sendJson(src, buildRequest('GET', '/sim/otp?send_to=account&id=1', [['Host', hostOf(src)]])), 'mailbox');
    const code = String(box['otp_token']);
    assert.match(code, /^\d{6}$/);
    assert.equal(box['i_customer'], 1);
    const other = (await login(src, { login: 'admin', password: 'demo-admin' })).access_token;
    fault(await restCall(src, 'AccessControl/verify_otp', { one_time_password: code, operation: 'General' }, other), 'Server.AccessControl.otp_invalid', 'another session');
    fault(await restCall(src, 'AccessControl/verify_otp', { one_time_password: code === '000000' ? '111111' : '000000', operation: 'General' }, token), 'Server.AccessControl.otp_invalid', 'a wrong code');
    ok(await restCall(src, 'AccessControl/verify_otp', { one_time_password: code, operation: 'General' }, token), 'verify');
    fault(await restCall(src, 'AccessControl/verify_otp', { one_time_password: code, operation: 'General' }, token), 'Server.AccessControl.otp_invalid', 'used once');
    const log = await writeLog(source, 1);
    assert.equal(lastApplied(log, 'AccessControl/create_otp')['i_account'], 1);
    assert.deepEqual(lastApplied(log, 'AccessControl/create_otp')['fields'], { send_to: 'account', id: 1, notification_type: 'mail', operation: 'General' });
    assert.equal(lastApplied(log, 'AccessControl/verify_otp')['i_customer'], 1);
    assert.ok(!JSON.stringify(log).includes(code), 'the OTP itself is never logged');
    ok(await restCall(src, 'AccessControl/create_otp', { send_to: 'customer', id: 1 }, token), 'to a customer, by i_customer');
    ok(await restCall(src, 'AccessControl/create_otp', { send_to: 'account', id: '15551230001' }, token), 'by the account id (phone number)');
    fault(await restCall(src, 'AccessControl/create_otp', { send_to: 'account', id: 999999 }, token), 'Server.Account.account_not_found');
  });

  test('subscriptions are found by i_customer_subscription alone, and update/close are logged under their customer', async () => {
    let owner: number | undefined;
    let sub: Row | undefined;
    for (let c = 3; c < 80 && !sub; c += 2) {
      const list = rows(ok(await restCall(src, 'Customer/get_subscriptions', { i_customer: c }, token)), 'subscriptions');
      if (list.length > 0) {
        owner = c;
        sub = list[0];
      }
    }
    assert.ok(sub && owner !== undefined, 'a seeded customer with a subscription');
    assert.equal(sub['i_customer'], owner);
    const id = sub['i_customer_subscription'];
    ok(await restCall(src, 'Customer/update_subscription', { subscription_info: { i_customer_subscription: id, finish_date: '2099-12-31' } }, token), 'update');
    fault(await restCall(src, 'Customer/close_subscription', { i_customer: owner + 2, i_customer_subscription: id }, token), 'Server.Customer.subscription_not_found');
    ok(await restCall(src, 'Customer/close_subscription', { i_customer: owner, i_customer_subscription: id }, token), 'close');
    const now = rows(ok(await restCall(src, 'Customer/get_subscriptions', { i_customer: owner }, token)), 'subscriptions').find((s) => s['i_customer_subscription'] === id);
    assert.equal(now?.['status'], 'closed');
    assert.equal(now?.['finish_date'] !== '2099-12-31', true, 'closing sets the finish date');
    const log = await writeLog(source, owner);
    assert.deepEqual(lastApplied(log, 'Customer/update_subscription')['fields'], { i_customer_subscription: id, finish_date: '2099-12-31' });
    lastApplied(log, 'Customer/close_subscription');
    const added = ok(await restCall(src, 'Customer/add_subscription', { i_customer: owner, subscription_info: { i_subscription: 1 } }, token), 'add');
    assert.equal(typeof added['i_customer_subscription'], 'number');
    ok(await restCall(src, 'Customer/close_subscription', { i_customer_subscription: added['i_customer_subscription'] }, token), 'close the new one by its id alone');
  });

  test('UA/get_ua_info names the owner and UA/update_ua is logged under it; a VD counter reset likewise', async () => {
    let ua: Row | undefined;
    for (let c = 1; c < 80 && !ua; c += 2) ua = rows(ok(await restCall(src, 'UA/get_ua_list', { i_customer: c }, token)), 'ua_list')[0];
    assert.ok(ua, 'a seeded UA');
    const info = ok(await restCall(src, 'UA/get_ua_info', { i_ua: ua['i_ua'] }, token))['ua_info'] as Row;
    assert.equal(info['i_customer'], ua['i_customer']);
    ok(await restCall(src, 'UA/update_ua', { ua_info: { i_ua: ua['i_ua'], description: 'desk phone' } }, token), 'update_ua');
    assert.equal((ok(await restCall(src, 'UA/get_ua_info', { i_ua: ua['i_ua'] }, token))['ua_info'] as Row)['description'], 'desk phone');
    assert.equal(lastApplied(await writeLog(source, ua['i_customer'] as number), 'UA/update_ua')['i_customer'], ua['i_customer']);

    const counter = rows(ok(await restCall(src, 'Customer/get_vd_counter_list', { i_customer: 1 }, token)), 'counter_list')[0];
    assert.ok(counter && typeof counter['i_vd_counter'] === 'number', 'John has a counter with an id');
    ok(await restCall(src, 'Customer/reset_vd_counter', { i_vd_counter: counter['i_vd_counter'] }, token), 'reset');
    const reset = rows(ok(await restCall(src, 'Customer/get_vd_counter_list', { i_customer: 1 }, token)), 'counter_list')[0];
    assert.equal(reset?.['peak_level'], 0);
    lastApplied(await writeLog(source, 1), 'Customer/reset_vd_counter');
  });

  test('a multipart upload keeps the file bytes intact: size and sha256 are recorded and logged under the customer', async () => {
    const file = Buffer.concat([Buffer.from('%PDF-1.4\r\n--not-the-boundary\r\n\r\n'), Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\r\n%%EOF')]);
    const boundary = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="auth_info"\r\n\r\n${JSON.stringify({ session_id: sessionId })}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="params"\r\n\r\n{"i_customer":1,"name":"contract"}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="upload_file"; filename="contract.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const reply = await sendJson(src, buildRequest('POST', '/rest/Customer/upload_document', [
      ['Host', hostOf(src)],
      ['Content-Type', `multipart/form-data; boundary=${boundary}`],
      ['Content-Length', String(body.length)],
    ], body));
    const r = ok(reply, 'upload');
    const sha256 = createHash('sha256').update(file).digest('hex');
    assert.equal(r['size'], file.length);
    assert.equal(r['sha256'], sha256);
    const doc = ok(await restCall(src, 'Customer/get_document_info', { i_document: r['i_document'] }, token))['document_info'] as Row;
    assert.equal(doc['i_customer'], 1);
    assert.equal(doc['filename'], 'contract.pdf');
    const entry = lastApplied(await writeLog(source, 1), 'Customer/upload_document');
    assert.equal((entry['fields'] as Row)['sha256'], sha256);
    fault(await restCall(src, 'Customer/upload_document', { i_customer: 1 }, token), 'Client.validation_error', 'no file part');
  });

  test('realm scoping: another reseller\'s customer\'s records are not found, and an account sees only its own aliases', async () => {
    const r1 = (await login(source.urls.reseller, { login: 'reseller1', password: 'demo-reseller' })).access_token;
    const r2 = (await login(source.urls.reseller, { login: 'reseller2', password: 'demo-reseller2' })).access_token;
    const own = rows(ok(await restCall(source.urls.reseller, 'Invoice/get_invoice_list', { limit: 5 }, r1)), 'invoice_list');
    assert.ok(own.length > 0);
    ok(await restCall(source.urls.reseller, 'Invoice/get_invoice_info', { i_invoice: own[0]?.['i_invoice'] }, r1), 'own invoice');
    fault(await restCall(source.urls.reseller, 'Invoice/get_invoice_info', { i_invoice: own[0]?.['i_invoice'] }, r2), 'Server.Invoice.invoice_not_found');
    const acct = (await login(source.urls.account, { login: '15551230001', password: 'demo-john' })).access_token;
    const mine = rows(ok(await restCall(source.urls.account, 'Account/get_alias_list', {}, acct)), 'alias_list');
    assert.ok(mine.every((a) => a['i_master_account'] === 1));
    fault(await restCall(source.urls.account, 'Account/get_alias_list', { i_master_account: 3 }, acct), 'Server.Account.account_not_found');
  });

  test('after a transfer the old side refuses every owned-record write (logged as refused) and the new side has the records under the same ids', async () => {
    const iCustomer = 5;
    const first = rows(ok(await restCall(src, 'Account/get_account_list', { i_customer: iCustomer }, token)), 'account_list')[0];
    assert.ok(first);
    const master = first['i_account'] as number;
    const alias = ok(await restCall(src, 'Account/add_alias', { alias_info: { i_master_account: master, id: 'moving-alias' } }, token))['i_alias'];
    const invoice = rows(ok(await restCall(src, 'Invoice/get_invoice_list', { i_customer: iCustomer }, token)), 'invoice_list')[0];
    const counter = rows(ok(await restCall(src, 'Customer/get_vd_counter_list', { i_customer: iCustomer }, token)), 'counter_list')[0];
    const free = rows(ok(await restCall(src, 'DID/get_number_list', { limit: 200 }, token)), 'number_list').find((d) => d['i_customer'] === null);
    assert.ok(invoice && free);
    ok(await restCall(src, 'DID/assign_did_to_account', { i_did_number: free['i_did_number'], i_master_account: master }, token), 'assign before the move');
    const moved = await sendJson(src, buildRequest('POST', '/sim/transfer', [['Host', hostOf(src)], ['Content-Type', 'application/json'], ['Content-Length', String(Buffer.byteLength(JSON.stringify({ i_customer: iCustomer, target: target.urls.admin })))]], JSON.stringify({ i_customer: iCustomer, target: target.urls.admin })));
    ok(moved, 'transfer');

    const writes: Array<[string, Row]> = [
      ['Account/add_alias', { alias_info: { i_master_account: master, id: 'late-alias' } }],
      ['Account/delete_alias', { alias_info: { i_alias: alias } }],
      ['DID/release_did_from_account', { i_did_number: free['i_did_number'] }],
      ['AccessControl/create_otp', { send_to: 'account', id: master }],
      ['Customer/add_subscription', { i_customer: iCustomer, subscription_info: { i_subscription: 1 } }],
    ];
    if (counter) writes.push(['Customer/reset_vd_counter', { i_vd_counter: counter['i_vd_counter'] }]);
    for (const [method, params] of writes) fault(await restCall(src, method, params, token), 'Server.Customer.customer_moved', `${method} on the old side`);
    const log = await writeLog(source, iCustomer);
    assert.deepEqual(log.refused.map((e) => e['method']), writes.map(([m]) => m));
    assert.ok(log.refused.every((e) => e['faultcode'] === 'Server.Customer.customer_moved'));

    const tt = (await login(target.urls.admin, { login: 'admin', password: 'demo-admin' })).access_token;
    const tgt = target.urls.admin;
    assert.equal((ok(await restCall(tgt, 'Invoice/get_invoice_info', { i_invoice: invoice['i_invoice'] }, tt))['invoice_info'] as Row)['i_customer'], iCustomer);
    assert.deepEqual(rows(ok(await restCall(tgt, 'Account/get_alias_list', { i_master_account: master }, tt)), 'alias_list').map((a) => a['i_alias']), [alias]);
    const did = ok(await restCall(tgt, 'DID/get_number_info', { i_did_number: free['i_did_number'] }, tt))['number_info'] as Row;
    assert.equal(did['i_master_account'], master);
    ok(await restCall(tgt, 'DID/release_did_from_account', { i_did_number: free['i_did_number'] }, tt), 'release on the new side');
    ok(await restCall(tgt, 'Account/delete_alias', { alias_info: { i_alias: alias } }, tt), 'delete on the new side');
    if (counter) ok(await restCall(tgt, 'Customer/reset_vd_counter', { i_vd_counter: counter['i_vd_counter'] }, tt), 'reset on the new side');
    const tlog = await writeLog(target, iCustomer);
    assert.deepEqual(tlog.applied.map((e) => e['method']), ['DID/release_did_from_account', 'Account/delete_alias', ...(counter ? ['Customer/reset_vd_counter'] : [])]);
  });
});

function espf(base: string, method: string, path: string, token: string | undefined, body?: string): Promise<JsonReply> {
  const headers: Array<[string, string]> = [['Host', hostOf(base)], ['User-Agent', 'GuzzleHttp/7']];
  if (token !== undefined) headers.push(['Authorization', `Bearer ${token}`]);
  if (body !== undefined) headers.push(['Content-Type', 'application/json'], ['Content-Length', String(Buffer.byteLength(body))]);
  return sendJson(base, buildRequest(method, path, headers, body ?? ''));
}

function espfFault(reply: JsonReply, status: number, code?: string): void {
  assert.equal(reply.status, status, reply.text);
  assert.match(reply.headers['content-type'] ?? '', /^application\/json/);
  const body = reply.json as Row;
  assert.deepEqual(Object.keys(body), ['faultcode', 'faultstring']);
  if (code !== undefined) assert.equal(body['faultcode'], code);
}

describe('ESPF API (/espf/v1) as the porta/billing PHP library calls it', () => {
  const start = simsForSuite();
  let source: RunningSimulator;
  let target: RunningSimulator;
  let base: string;
  let token: string;

  before(async () => {
    source = await start({ role: 'source', env: SOURCE_ENV, seed: 1, customers: 30 });
    target = await start({ role: 'target', env: TARGET_ENV, seed: 1, customers: 30 });
    base = source.urls.admin;
    token = (await login(base, { login: 'admin', password: 'demo-admin' })).access_token;
  });

  test('GET customers/{i_customer}, accounts/{i_account} and customers/{i_customer}/accounts with a Bearer token', async () => {
    const c = await espf(base, 'GET', '/espf/v1/customers/1', token);
    assert.equal(c.status, 200, c.text);
    assert.equal((c.json as Row)['login'], 'john.doe');
    const a = await espf(base, 'GET', '/espf/v1/accounts/1', token);
    assert.equal((a.json as Row)['i_customer'], 1);
    const list = await espf(base, 'GET', '/espf/v1/customers/1/accounts?limit=10&offset=0', token);
    assert.equal(list.status, 200);
    const items = (list.json as Row)['items'] as Row[];
    assert.ok(items.length >= 1 && items.every((x) => x['i_customer'] === 1));
    assert.equal((list.json as Row)['total'], items.length);
  });

  test('PUT customers/{i_customer} changes the record and is logged under it; POST/DELETE aliases create (201) and remove', async () => {
    const put = await espf(base, 'PUT', '/espf/v1/customers/3', token, '{"notes":"via espf"}');
    assert.equal(put.status, 200, put.text);
    assert.equal((put.json as Row)['notes'], 'via espf');
    const log = await writeLog(source, 3);
    assert.deepEqual(lastApplied(log, 'Customer/update_customer')['fields'], { notes: 'via espf' });
    const made = await espf(base, 'POST', '/espf/v1/accounts/1/aliases', token, '{"id":"espf-alias"}');
    assert.equal(made.status, 201, made.text);
    const iAlias = (made.json as Row)['i_alias'];
    const listed = await espf(base, 'GET', '/espf/v1/accounts/1/aliases', token);
    assert.ok(((listed.json as Row)['items'] as Row[]).some((x) => x['i_alias'] === iAlias));
    const gone = await espf(base, 'DELETE', `/espf/v1/accounts/1/aliases/${String(iAlias)}`, token);
    assert.equal(gone.status, 200, gone.text);
    assert.deepEqual((await writeLog(source, 1)).applied.filter((e) => e['method'] === 'Account/add_alias' || e['method'] === 'Account/delete_alias').map((e) => e['method']), ['Account/add_alias', 'Account/delete_alias']);
  });

  test('faults are HTTP statuses with a JSON body: 401 without a token, 404 unknown record, 405 wrong verb, 400 bad body', async () => {
    espfFault(await espf(base, 'GET', '/espf/v1/customers/1', undefined), 401, 'Server.Session.check_auth.auth_failed');
    espfFault(await espf(base, 'GET', '/espf/v1/customers/1', 'not-a-token'), 401);
    espfFault(await espf(base, 'GET', '/espf/v1/customers/999999', token), 404, 'Server.Customer.customer_not_found');
    espfFault(await espf(base, 'DELETE', '/espf/v1/customers/1', token), 405);
    espfFault(await espf(base, 'GET', '/espf/v1/nothing', token), 404);
    espfFault(await espf(base, 'PUT', '/espf/v1/customers/1', token, '[1,2]'), 400);
    espfFault(await espf(base, 'PUT', '/espf/v1/customers/1', token, '{"i_customer":3}'), 400);
  });

  test('a write for a moved customer on the old side is 409 and logged as refused; the new side serves it', async () => {
    const body = JSON.stringify({ i_customer: 9, target: target.urls.admin });
    ok(await sendJson(base, buildRequest('POST', '/sim/transfer', [['Host', hostOf(base)], ['Content-Type', 'application/json'], ['Content-Length', String(Buffer.byteLength(body))]], body)), 'transfer');
    espfFault(await espf(base, 'PUT', '/espf/v1/customers/9', token, '{"notes":"late"}'), 409, 'Server.Customer.customer_moved');
    assert.equal((await writeLog(source, 9)).refused.at(-1)?.['method'], 'Customer/update_customer');
    const tt = (await login(target.urls.admin, { login: 'admin', password: 'demo-admin' })).access_token;
    const there = await espf(target.urls.admin, 'PUT', '/espf/v1/customers/9', tt, '{"notes":"on time"}');
    assert.equal(there.status, 200, there.text);
    assert.equal((await writeLog(target, 9)).applied.at(-1)?.['method'], 'Customer/update_customer');
  });
});
