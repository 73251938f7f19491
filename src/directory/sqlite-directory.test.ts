import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_SCHEMA_VERSION, SqliteDirectory } from './sqlite-directory.ts';
import { locationDirectorySuite } from './location-directory.suite.ts';
import { DispatcherFaultCode, isApiFault } from '../core/faults.ts';
import type { ImportRow } from './location-directory.ts';

locationDirectorySuite('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wd-sqlite-'));
  const path = join(dir, 'directory.sqlite');
  const opened: SqliteDirectory[] = [];
  const open = async () => { const d = await SqliteDirectory.open({ path }); opened.push(d); return d; };
  const directory = await open();
  return {
    directory,
    peer: open,
    reopen: open,
    cleanup: async () => { for (const d of opened) await d.close(); rmSync(dir, { recursive: true, force: true }); },
  };
});

describe('sqlite directory file handling', () => {
  it('a file that is not a database is refused with directory_unavailable naming the file', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-sqlite-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'corrupt.sqlite');
    writeFileSync(path, 'this is not an SQLite database, just text that is long enough to fill a header page '.repeat(100));
    await assert.rejects(SqliteDirectory.open({ path }), (err: unknown) => {
      assert.ok(isApiFault(err));
      assert.equal(err.faultcode, DispatcherFaultCode.directoryUnavailable);
      assert.match(err.faultstring, /corrupt\.sqlite/);
      return true;
    });
  });

  it('a file written by schema 1 (before owned records) opens, keeps its rows and gains the owned-records table', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-sqlite-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'v1.sqlite');
    // Exactly what the schema-1 code created (its migration 1 and version row).
    const old = new Database(path);
    old.exec(`
      CREATE TABLE schema_version (version INTEGER NOT NULL);
      CREATE TABLE customers (
        i_customer INTEGER PRIMARY KEY,
        system TEXT NOT NULL CHECK (system IN ('source', 'target')),
        state TEXT NOT NULL CHECK (state IN ('active', 'moving')),
        version INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE accounts (i_account INTEGER PRIMARY KEY, i_customer INTEGER NOT NULL);
      CREATE INDEX accounts_by_customer ON accounts (i_customer);
      CREATE TABLE lookup_keys (
        kind TEXT NOT NULL, value TEXT NOT NULL, i_customer INTEGER NOT NULL, i_account INTEGER,
        PRIMARY KEY (kind, value)
      ) WITHOUT ROWID;
      CREATE INDEX customers_moving ON customers (state) WHERE state = 'moving';
      INSERT INTO schema_version (version) VALUES (1);
      INSERT INTO customers VALUES (3, 'target', 'active', 1, '2026-01-01T00:00:00.000Z');
    `);
    old.close();
    const d = await SqliteDirectory.open({ path });
    t.after(() => d.close());
    await d.check();
    assert.equal((await d.getCustomer(3))?.system, 'target');
    assert.equal(await d.getOwner('invoice', 5), undefined);
    await d.putOwned('invoice', 5, { iCustomer: 3 });
    assert.deepEqual(await d.getOwner('invoice', 5), { iCustomer: 3 });
    const check = new Database(path, { readonly: true });
    t.after(() => check.close());
    assert.equal(check.prepare('SELECT max(version) FROM schema_version').pluck().get(), SQLITE_SCHEMA_VERSION);
  });

  it('a write by another connection to the same file changes the cache token', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-sqlite-'));
    const path = join(dir, 'd.sqlite');
    const a = await SqliteDirectory.open({ path, shared: true });
    const b = await SqliteDirectory.open({ path });
    t.after(async () => { await a.close(); await b.close(); rmSync(dir, { recursive: true, force: true }); });
    const before = a.cacheToken();
    await b.putCustomer({ iCustomer: 5, system: 'target' });
    assert.notEqual(a.cacheToken(), before);
  });

  it('a bulk import over several batches and multi-row statements keeps row order: the last row naming a customer, account or key wins', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-sqlite-'));
    const path = join(dir, 'bulk.sqlite');
    const d = await SqliteDirectory.open({ path, importBatch: 300 });
    t.after(async () => { await d.close(); rmSync(dir, { recursive: true, force: true }); });
    await d.putCustomer({ iCustomer: 900, system: 'source' });
    await d.beginMove(900, 'source');
    const rows: ImportRow[] = [];
    for (let i = 1; i <= 1000; i++) {
      const record = i === 1000 ? { iCustomer: 7, system: 'target' as const, accounts: [70_001], login: 'shared-login' }
        : i === 999 ? { iCustomer: 900, system: 'target' as const, login: 'refused-900' }
          : { iCustomer: i, system: 'source' as const, accounts: [i * 10 + 1, 70_001], login: i === 3 ? 'shared-login' : `c${i}` };
      rows.push({ line: i + 1, record });
    }
    const report = await d.importRecords((async function* () { yield* rows; })());
    assert.equal(report.accepted, 999);
    assert.deepEqual(report.rejected.map((r) => r.line), [1000]);
    assert.match(report.rejected[0]!.reason, /customer 900 is moving/);
    const seven = await d.getCustomer(7);
    assert.deepEqual([seven?.system, seven?.version], ['target', 2], 'row 1000 re-imported customer 7 on target');
    assert.equal(await d.getAccountOwner(70_001), 7, 'the last row listing account 70001 owns it');
    assert.deepEqual(await d.findKey('customer-login', 'shared-login'), { iCustomer: 7 });
    assert.equal(await d.getAccountOwner(9981), 998);
    assert.deepEqual(await d.accountsOf(500), [5001]);
    assert.equal(await d.findKey('customer-login', 'refused-900'), undefined, 'the refused row wrote no key');
    assert.deepEqual([(await d.getCustomer(900))?.state, (await d.getCustomer(900))?.system], ['moving', 'source']);
    const reopened = await SqliteDirectory.open({ path });
    t.after(() => reopened.close());
    assert.equal((await reopened.getCustomer(998))?.system, 'source', 'another connection reads the imported rows');
  });
});
