import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Metrics } from '../core/metrics.ts';

/** Open descriptors of this process, or -1 where /proc is not there to count them. */
function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

/**
 * The process's own health, named as prom-client's defaults name them so existing dashboards and
 * alerts apply: memory, heap, CPU, descriptors, start time and event-loop delay.
 */
export function registerProcessMetrics(metrics: Metrics): { stop(): void } {
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const started = Math.floor(Date.now() / 1000 - process.uptime());
  metrics.gauge('process_resident_memory_bytes', 'Resident memory size in bytes', () => [[{}, process.memoryUsage.rss()]], 'sum');
  metrics.gauge('nodejs_heap_size_used_bytes', 'V8 heap in use in bytes', () => [[{}, process.memoryUsage().heapUsed]], 'sum');
  // What V8 holds from the system (used or not) and what lives outside its heap (Buffers): with
  // the heap in use, they tell which part of the resident memory grows.
  metrics.gauge('nodejs_heap_size_total_bytes', 'V8 heap reserved from the system in bytes', () => [[{}, process.memoryUsage().heapTotal]], 'sum');
  metrics.gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript objects (Buffers included) in bytes', () => [[{}, process.memoryUsage().external]], 'sum');
  metrics.gauge('process_cpu_seconds_total', 'User and system CPU time spent in seconds', () => {
    const u = process.cpuUsage();
    return [[{}, (u.user + u.system) / 1e6]];
  }, 'sum');
  metrics.gauge('process_open_fds', 'Open file descriptors', () => [[{}, openFds()]], 'sum');
  metrics.gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch in seconds', () => [[{}, started]]);
  metrics.gauge('nodejs_eventloop_lag_p99_seconds', 'Event-loop delay, 99th percentile since start', () => [[{}, loop.percentile(99) / 1e9]]);
  metrics.gauge('nodejs_eventloop_lag_max_seconds', 'Event-loop delay, highest since start', () => [[{}, loop.max / 1e9]]);
  return { stop: () => loop.disable() };
}
