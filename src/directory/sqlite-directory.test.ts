import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDirectory } from './sqlite-directory.ts';
import { locationDirectorySuite } from './location-directory.suite.ts';
import { DispatcherFaultCode, isApiFault } from '../edge/faults.ts';

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
});
