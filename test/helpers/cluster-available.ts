import type { TestContext } from 'node:test';
import { clusterPrerequisites } from '../../scripts/cluster/cluster.ts';

/**
 * Whether the namespace cluster can run here (root, iproute2, HAProxy, Redis, PostgreSQL). In CI
 * (CI=true) a missing piece is a failure; elsewhere the suite is skipped with one line saying why.
 */
export function requireCluster(t: TestContext): boolean {
  const missing = clusterPrerequisites();
  if (missing === undefined) return true;
  if (process.env.CI === 'true') throw new Error(`CI requires the cluster harness: ${missing}`);
  console.log(`# skipped cluster suites: ${missing}`);
  t.skip(missing);
  return false;
}
