// `npm run cluster`: the cluster harness as a demo. Prints one ready line of JSON (the public
// address of every listener, ops, credentials, nodes) and tears every namespace and process
// down on Ctrl-C (SIGINT) or SIGTERM.
import { parseArgs } from 'node:util';
import { Cluster, clusterPrerequisites } from './cluster.ts';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '200' }, 'log-level': { type: 'string', default: 'warn' } }, strict: true });
const missing = clusterPrerequisites();
if (missing !== undefined) {
  process.stderr.write(`npm run cluster: cannot run here: ${missing}\n`);
  process.exit(1);
}
process.stderr.write('starting the cluster (namespaces, PostgreSQL, Redis, simulators, 3 nodes, HAProxy)…\n');
const cluster = await Cluster.start({ customers: Number(values.customers), logLevel: values['log-level'] });
process.stdout.write(`${cluster.readyLine()}\n`);
// The harness tears down on SIGINT/SIGTERM itself (and on exit); keep the process alive until then.
const told = new Set<unknown>();
setInterval(() => {
  for (const n of cluster.nodes) {
    if (n.process === undefined || n.process.running || told.has(n.process)) continue;
    told.add(n.process);
    process.stderr.write(`${n.name} exited: ${n.process.output().slice(-2000)}\n`);
  }
}, 2000);
