import { randomBytes } from 'node:crypto';
import { RedisSessionStore } from './redis-session-store.ts';
import { sessionStoreSuite } from './session-store.suite.ts';
import { serviceAvailable, REDIS_URL } from '../../test/helpers/services.ts';

const available = await serviceAvailable('redis');
sessionStoreSuite('redis session store', async () => {
  if (!available.ok) return undefined;
  // A prefix per store: the suite's counts do not see other runs' sessions.
  return RedisSessionStore.connect(REDIS_URL, `wd:test:${randomBytes(4).toString('hex')}:`);
});
