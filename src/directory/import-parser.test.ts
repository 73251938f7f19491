import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { importFormatOf, parseImport, splitCsvLine } from './import-parser.ts';
import type { ImportRow } from './location-directory.ts';
import { MemoryDirectory } from './memory-directory.ts';
import { isApiFault } from '../core/faults.ts';

async function collect(chunks: Array<string | Buffer>, format: 'csv' | 'ndjson'): Promise<ImportRow[]> {
  const out: ImportRow[] = [];
  for await (const r of parseImport(Readable.from(chunks), format)) out.push(r);
  return out;
}

describe('import parser', () => {
  it('reads CSV rows with keys and ;-separated accounts, numbering lines from the header', async () => {
    const rows = await collect([
      'i_customer,system,login,accounts,account_logins,account_ids\r\n',
      '3,target,john,31;33,31=john-p,33=15550033\r\n',
      '\n',
      '5,source,,,,\n',
    ], 'csv');
    assert.deepEqual(rows, [
      { line: 2, record: { iCustomer: 3, system: 'target', login: 'john', accounts: [31, 33], accountKeys: [{ iAccount: 31, login: 'john-p' }, { iAccount: 33, id: '15550033' }] } },
      { line: 4, record: { iCustomer: 5, system: 'source' } },
    ]);
  });

  it('keeps lines and multi-byte characters intact across chunk boundaries', async () => {
    const text = 'i_customer,system,name\n7,target,"Zoë, Ltd"\n9,source,Ñandú\n';
    const bytes = Buffer.from(text);
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    const rows = await collect(chunks, 'csv');
    assert.deepEqual(rows.map((r) => 'record' in r && r.record.name), ['Zoë, Ltd', 'Ñandú']);
  });

  it('turns unreadable CSV rows into errors with their line numbers', async () => {
    const rows = await collect(['i_customer,system,accounts\n', 'x,target,\n', '3,mars,\n', '5,target,1;b\n', '7,target\n', '9,"target,\n'], 'csv');
    assert.deepEqual(rows.map((r) => r.line), [2, 3, 4, 5, 6]);
    assert.ok(rows.every((r) => 'error' in r));
    assert.match((rows[0] as { error: string }).error, /i_customer "x"/);
    assert.match((rows[1] as { error: string }).error, /system "mars"/);
    assert.match((rows[2] as { error: string }).error, /account "b"/);
    assert.match((rows[3] as { error: string }).error, /expected 3 fields, found 2/);
    assert.match((rows[4] as { error: string }).error, /unterminated/);
  });

  it('refuses a CSV header with an unknown or missing column before reading any row', async () => {
    for (const header of ['i_customer,system,colour\n1,target,red\n', 'i_customer,login\n1,x\n']) {
      await assert.rejects(collect([header], 'csv'), (err: unknown) => isApiFault(err) && err.httpStatus === 400 && /CSV header/.test(err.faultstring));
    }
  });

  it('reads NDJSON rows, accounts given as ids or as objects with keys', async () => {
    const rows = await collect(['{"i_customer":3,"system":"target","login":"john","accounts":[31,{"i_account":33,"login":"p33"}]}\n{bad json}\n{"i_customer":5,"system":"source","colour":1}'], 'ndjson');
    assert.deepEqual(rows[0], { line: 1, record: { iCustomer: 3, system: 'target', login: 'john', accounts: [31], accountKeys: [{ iAccount: 33, login: 'p33' }] } });
    assert.ok('error' in rows[1]! && /not valid JSON/.test(rows[1].error));
    assert.ok('error' in rows[2]! && /unknown field "colour"/.test(rows[2].error));
  });

  it('reads NDJSON owned-record rows beside customer rows', async () => {
    const rows = await collect([
      '{"owned":"invoice","id":5,"i_customer":3}\n',
      '{"i_customer":3,"system":"target"}\n',
      '{"owned":"xdr","id":6,"i_customer":3,"i_account":31}\n',
      '{"owned":"invoice","id":7,"i_customer":3,"system":"target"}\n',
    ], 'ndjson');
    assert.deepEqual(rows.slice(0, 3), [
      { line: 1, owned: { kind: 'invoice', id: 5, owner: { iCustomer: 3 } } },
      { line: 2, record: { iCustomer: 3, system: 'target' } },
      { line: 3, owned: { kind: 'xdr', id: 6, owner: { iCustomer: 3, iAccount: 31 } } },
    ]);
    assert.ok('error' in rows[3]! && /unknown field "system" in an owned record/.test(rows[3].error));
  });

  it('reads a CSV of owned records (a header with an owned column), bad rows as errors by line', async () => {
    const rows = await collect(['owned,id,i_customer,i_account\n', 'invoice,5,3,\n', 'did,8,4,41\n', 'cheque,9,4,\n', 'xdr,0,4,\n', 'ua,9,x,\n'], 'csv');
    assert.deepEqual(rows.slice(0, 2), [
      { line: 2, owned: { kind: 'invoice', id: 5, owner: { iCustomer: 3 } } },
      { line: 3, owned: { kind: 'did', id: 8, owner: { iCustomer: 4, iAccount: 41 } } },
    ]);
    assert.deepEqual(rows.slice(2).map((r) => r.line), [4, 5, 6]);
    assert.match((rows[2] as { error: string }).error, /owned kind "cheque"/);
    assert.match((rows[3] as { error: string }).error, /id "0"/);
    assert.match((rows[4] as { error: string }).error, /i_customer "x"/);
    for (const header of ['owned,id,system\n', 'owned,i_customer\n']) {
      await assert.rejects(collect([header], 'csv'), (err: unknown) => isApiFault(err) && err.httpStatus === 400 && /CSV header/.test(err.faultstring));
    }
  });

  it('feeds owned records to a directory import end to end, bad values reported by line', async () => {
    const d = new MemoryDirectory();
    const report = await d.importRecords(parseImport(Readable.from([
      '{"owned":"invoice","id":5,"i_customer":3}\n{"owned":"invoice","id":"6","i_customer":3}\n{"owned":"alias","id":7,"i_customer":3,"i_account":-1}\n{"owned":"nope","id":8,"i_customer":3}\n',
    ]), 'ndjson'));
    assert.equal(report.accepted, 1);
    assert.deepEqual(report.rejected.map((r) => r.line), [2, 3, 4]);
    assert.match(report.rejected[0]!.reason, /invoice id "6" is not a positive integer/);
    assert.match(report.rejected[2]!.reason, /owned kind "nope"/);
    assert.deepEqual(await d.getOwner('invoice', 5), { iCustomer: 3 });
    assert.equal(await d.getOwner('alias', 7), undefined);
  });

  it('feeds a directory import end to end, bad values reported by line', async () => {
    const d = new MemoryDirectory();
    const report = await d.importRecords(parseImport(Readable.from(['{"i_customer":3,"system":"target"}\n{"i_customer":-4,"system":"target"}\n']), 'ndjson'));
    assert.equal(report.accepted, 1);
    assert.deepEqual(report.rejected.map((r) => r.line), [2]);
  });

  it('splits quoted CSV fields with escaped quotes and empty trailing fields', () => {
    assert.deepEqual(splitCsvLine('a,"b ""q"", c",'), ['a', 'b "q", c', '']);
    assert.deepEqual(splitCsvLine('1,2'), ['1', '2']);
  });

  it('picks the format from the Content-Type', () => {
    assert.equal(importFormatOf('text/csv; charset=utf-8'), 'csv');
    assert.equal(importFormatOf('application/x-ndjson'), 'ndjson');
    assert.equal(importFormatOf('application/json'), undefined);
    assert.equal(importFormatOf(undefined), undefined);
  });
});
