import type { IncomingMessage, ServerResponse } from 'node:http';

/** One operator endpoint group: answers the request and returns true, or returns false when the path is not its own. */
export type OpsRoute = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
