/**
 * One simulator in its own process for the benchmark (so its CPU is not the harness's):
 *   node --import tsx bench/sim-backend.ts --role source --env 3 --customers 1000 [--config-entities N]
 * prints the simulator's ready line and runs until SIGTERM.
 */
import { parseArgs } from 'node:util';
import type { RunningSimulator, SimulatorOptions } from '../src/sim/contract.ts';

const { values } = parseArgs({ options: { role: { type: 'string' }, env: { type: 'string' }, customers: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' }, 'config-entities': { type: 'string' } } });
if ((values.role !== 'source' && values.role !== 'target') || values.env === undefined) {
  process.stderr.write('usage: sim-backend.ts --role source|target --env N [--customers N] [--seed N] [--config-entities N]\n');
  process.exit(2);
}
// Imported at run time: the simulator is built by another helper and may not exist yet.
const mod = (await import('../src/sim/simulator.ts' as string)) as { createSimulator(o: SimulatorOptions): Promise<RunningSimulator> };
const sim = await mod.createSimulator({ role: values.role, env: Number(values.env), customers: Number(values.customers), seed: Number(values.seed), host: '127.0.0.1',
  ...(values['config-entities'] === undefined ? {} : { configEntities: Number(values['config-entities']) }) });
process.stdout.write(`${sim.readyLine()}\n`);
const stop = (): void => { void sim.close().then(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
