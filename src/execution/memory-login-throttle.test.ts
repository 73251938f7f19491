import { MemoryLoginThrottle } from './memory-login-throttle.ts';
import { loginThrottleSuite } from './login-throttle.suite.ts';

loginThrottleSuite('memory login throttle', (limits) => Promise.resolve(new MemoryLoginThrottle(limits)), { shared: false });
