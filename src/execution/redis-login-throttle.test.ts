import { randomBytes } from 'node:crypto';
import { RedisLoginThrottle } from './redis-login-throttle.ts';
import { loginThrottleSuite } from './login-throttle.suite.ts';
import { serviceAvailable, REDIS_URL } from '../../test/helpers/services.ts';

const available = await serviceAvailable('redis');
// One prefix for the run: the throttles of one test share counts, other runs' counts stay apart.
const prefix = `wd:test:throttle:${randomBytes(4).toString('hex')}:`;
loginThrottleSuite('redis login throttle', async (limits) => {
  if (!available.ok) return undefined;
  return RedisLoginThrottle.connect(REDIS_URL, limits, prefix);
}, { shared: true });
