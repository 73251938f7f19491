import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import type { DispatcherConfig } from '../config/config.ts';
import { startDispatcher } from './create-dispatcher.ts';
import { serveClusterMetrics } from './cluster-metrics.ts';
import { StartupError } from './open-with-retries.ts';

/** A worker's exit code when a store could not be opened: the primary then stops instead of forking again. */
const EXIT_STARTUP_FAILED = 78;

/**
 * Runs `config.workers` processes with node:cluster: the primary distributes connections to the
 * workers on the same ports; shared state lives in the configured stores (Redis, PostgreSQL or a
 * shared SQLite file), so any worker serves any request.
 */
export async function runCluster(config: DispatcherConfig, _configPath: string): Promise<number> {
  if (cluster.isPrimary) {
    const ports = { ...config.listen };
    // Ephemeral ports must be the same in every worker: the primary picks them once.
    const { createServer } = await import('node:net');
    for (const key of Object.keys(ports) as Array<keyof typeof ports>) {
      if (key === 'host' || ports[key] !== 0) continue;
      const srv = createServer();
      await new Promise<void>((r) => srv.listen(0, config.listen.host, () => r()));
      (ports as Record<string, unknown>)[key] = (srv.address() as AddressInfo).port;
      await new Promise<void>((r) => srv.close(() => r()));
    }
    const env = { WEBDISPATCHER_PORTS: JSON.stringify(ports) };
    let ready = 0;
    let urls: unknown;
    const live = () => Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    cluster.on('message', serveClusterMetrics(live));
    const everReady = new Set<number>();
    const fork = () => {
      const w = cluster.fork(env);
      w.on('message', (m: { ready?: boolean; urls?: unknown }) => {
        if (m.ready) {
          urls = m.urls;
          everReady.add(w.id);
          if (++ready === config.workers) process.stdout.write(JSON.stringify({ ready: true, pid: process.pid, workers: config.workers, dispatcher: urls }) + '\n');
        }
      });
    };
    for (let i = 0; i < config.workers; i++) fork();
    let stopping = false;
    let failed = false;
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const stop = (s: NodeJS.Signals) => { stopping = true; resolve(s); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      cluster.on('exit', (worker, code, sig) => {
        if (stopping) return;
        // A worker that never got ready, or that could not open a store, will not do better when
        // forked again: the node stops with an error (its supervisor decides what next).
        if (code === EXIT_STARTUP_FAILED || !everReady.has(worker.id)) {
          failed = true;
          process.stderr.write(`webdispatcher start: a worker could not start (exit ${code ?? sig}); stopping the other workers\n`);
          stop('SIGTERM');
          return;
        }
        process.stderr.write(JSON.stringify({ level: 'warn', msg: 'worker died; starting another', pid: worker.process.pid, code, signal: sig }) + '\n');
        fork();
      });
    });
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    // Each worker stops gracefully (see startDispatcher's shutdown); a stuck one is killed after that bound.
    const bound = config.shutdown.notReadyMs + config.shutdown.timeoutMs + 10_000;
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => { w.process.kill('SIGKILL'); resolve(); }, bound);
      w.once('exit', () => { clearTimeout(timer); resolve(); });
      w.process.kill(signal);
    })));
    return failed ? 1 : 0;
  }
  const ports = JSON.parse(process.env.WEBDISPATCHER_PORTS ?? '{}') as DispatcherConfig['listen'];
  let running;
  try {
    running = await startDispatcher({ ...config, listen: { ...config.listen, ...ports } }, { clusterWorker: true });
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    process.stderr.write(`webdispatcher start: ${err.message}\n`);
    return EXIT_STARTUP_FAILED;
  }
  process.send?.({ ready: true, urls: running.urls });
  // As `start` without workers: SIGTERM (forwarded by the primary) stops gracefully, SIGINT
  // (Ctrl-C reaches the whole process group) at once.
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  if (signal === 'SIGINT') await running.close();
  else await running.shutdown();
  return 0;
}
