import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCampaignStore } from './sqlite-campaign-store.ts';
import { SqliteDirectory } from '../directory/sqlite-directory.ts';
import { campaignStoreSuite } from './campaign-store.suite.ts';

campaignStoreSuite('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wd-campaigns-'));
  const path = join(dir, 'directory.sqlite');
  // The campaign tables live in the directory's own file, beside its tables.
  const directory = await SqliteDirectory.open({ path });
  const opened: SqliteCampaignStore[] = [];
  const open = async () => { const s = await SqliteCampaignStore.open(path); opened.push(s); return s; };
  const store = await open();
  return {
    store, peer: open,
    cleanup: async () => { for (const s of opened) await s.close(); await directory.close(); rmSync(dir, { recursive: true, force: true }); },
  };
});
