import { MemorySessionStore } from './memory-session-store.ts';
import { sessionStoreSuite } from './session-store.suite.ts';

sessionStoreSuite('memory session store', async () => new MemorySessionStore());
