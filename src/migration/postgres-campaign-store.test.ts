import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { PostgresCampaignStore } from './postgres-campaign-store.ts';
import { campaignStoreSuite } from './campaign-store.suite.ts';
import { DATABASE_URL, requireService } from '../../test/helpers/services.ts';

const runId = randomBytes(4).toString('hex');
const schemas: string[] = [];
let n = 0;

after(async () => {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await client.end();
});

campaignStoreSuite('postgres', async () => {
  const schema = `wd_campaigns_${runId}_${n++}`;
  schemas.push(schema);
  const opened: PostgresCampaignStore[] = [];
  const open = async () => { const s = await PostgresCampaignStore.open({ connectionString: DATABASE_URL, schema, poolSize: 2 }); opened.push(s); return s; };
  const store = await open();
  return { store, peer: open, cleanup: async () => { for (const s of opened) await s.close(); } };
}, { ready: (t) => requireService(t, 'postgres') });
