import { liveDemos, type DemoState } from '../app/demo-state.ts';
import { httpUrl, positiveInt, UsageError } from './command-args.ts';

/** The options every command that talks to the operator API takes (`--token` is the older name of `--ops-token`). */
export const OPS_OPTIONS = {
  'ops-url': { type: 'string' },
  'ops-token': { type: 'string' },
  token: { type: 'string' },
  demo: { type: 'string' },
} as const;

export const OPS_USAGE = `  --ops-url URL --ops-token T  the dispatcher's operator API (defaults: $WEBDISPATCHER_OPS_URL,
                               $WEBDISPATCHER_OPS_TOKEN; --token is an older name of --ops-token)
  --demo OPS_PORT              a running \`webdispatcher demo\`, by its ops port (default: the only
                               demo running; with several, one must be named)
`;

export interface OpsTarget {
  opsUrl: string;
  opsToken: string;
  /** The demo these addresses belong to, when they are a running demo's. */
  demo: DemoState | undefined;
}

type OpsValues = { 'ops-url'?: string | undefined; 'ops-token'?: string | undefined; token?: string | undefined; demo?: string | undefined };

function listed(demos: DemoState[]): string {
  return demos.length === 0 ? 'none is running' : `running: ${demos.map((d) => d.opsPort).join(', ')}`;
}

/**
 * Where the operator API is: the flags, else the environment, else the one demo this user runs.
 * Never a guess between several demos: with more than one running, the user names it.
 */
export function resolveOps(command: string, values: OpsValues, env: NodeJS.ProcessEnv = process.env): OpsTarget {
  if (values['ops-token'] !== undefined && values.token !== undefined && values['ops-token'] !== values.token) throw new UsageError(command, '--ops-token and --token (its older name) differ; give one');
  const tokenFlag = values['ops-token'] ?? values.token;
  if (values.demo !== undefined) {
    if (values['ops-url'] !== undefined) throw new UsageError(command, 'give --demo or --ops-url, not both');
    const port = positiveInt(command, 'demo', values.demo);
    const demos = liveDemos(env);
    const demo = demos.find((d) => d.opsPort === port);
    if (demo === undefined) throw new UsageError(command, `no running demo has ops port ${port} (${listed(demos)})`);
    return { opsUrl: demo.opsUrl, opsToken: tokenFlag ?? demo.opsToken, demo };
  }
  const urlGiven = values['ops-url'] ?? (env.WEBDISPATCHER_OPS_URL === '' ? undefined : env.WEBDISPATCHER_OPS_URL);
  const tokenGiven = tokenFlag ?? (env.WEBDISPATCHER_OPS_TOKEN === '' ? undefined : env.WEBDISPATCHER_OPS_TOKEN);
  if (urlGiven !== undefined) {
    const opsUrl = httpUrl(command, values['ops-url'] !== undefined ? 'ops-url' : 'ops-url (from $WEBDISPATCHER_OPS_URL)', urlGiven);
    const demo = liveDemos(env).find((d) => d.opsUrl === opsUrl);
    const opsToken = tokenGiven ?? demo?.opsToken;
    if (opsToken === undefined) throw new UsageError(command, `no --ops-token for ${opsUrl} (nor $WEBDISPATCHER_OPS_TOKEN)`);
    return { opsUrl, opsToken, demo };
  }
  const demos = liveDemos(env);
  if (demos.length === 0) throw new UsageError(command, 'no --ops-url/--ops-token (nor $WEBDISPATCHER_OPS_URL/$WEBDISPATCHER_OPS_TOKEN), and no demo is running');
  if (demos.length > 1) throw new UsageError(command, `${demos.length} demos are running (ops ports ${demos.map((d) => d.opsPort).join(', ')}): pick one with --demo PORT, or give --ops-url and --ops-token`);
  const demo = demos[0]!;
  return { opsUrl: demo.opsUrl, opsToken: tokenFlag ?? demo.opsToken, demo };
}
