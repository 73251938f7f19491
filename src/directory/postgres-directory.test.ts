import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { PostgresDirectory } from './postgres-directory.ts';
import { locationDirectorySuite } from './location-directory.suite.ts';
import { DATABASE_URL, requireService } from '../../test/helpers/services.ts';

/** A schema unique to this run (concurrent runs do not collide), dropped at the end. */
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

locationDirectorySuite('postgres', async () => {
  const schema = `wd_test_${runId}_${n++}`;
  schemas.push(schema);
  const opened: PostgresDirectory[] = [];
  const open = async () => {
    const d = await PostgresDirectory.open({ connectionString: DATABASE_URL, schema, leaseMs: 1000, poolSize: 3 });
    opened.push(d);
    return d;
  };
  const directory = await open();
  return {
    directory,
    peer: open,
    reopen: open,
    cleanup: async () => { for (const d of opened) await d.close(); },
  };
}, { ready: (t) => requireService(t, 'postgres') });
