import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

/**
 * A raw TCP relay on 127.0.0.1 in front of one backend listener. It passes bytes both ways
 * (a reset on one side resets the other), counts the connections open through it (the
 * dispatcher's sockets to that listener), and can refuse connections: `refuse()` closes its
 * listening socket and every relayed connection, `restore()` listens again on the same port.
 */
export class FaultProxy {
  readonly #upstream: URL;
  readonly #conns = new Set<Socket>();
  /** Connections that carried a request while marking was on. */
  readonly #marked = new WeakSet<Socket>();
  #marking = false;
  #server: Server | undefined;
  #port = 0;

  constructor(upstream: string) {
    this.#upstream = new URL(upstream);
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}${this.#upstream.pathname === '/' ? '' : this.#upstream.pathname}`;
  }

  /** Connections from the client side open now. */
  get open(): number {
    return this.#conns.size;
  }

  /**
   * While on, every connection that carries request bytes is marked: a connection used while its
   * backend is faulted got a broken reply, so the client must have closed it once the fault is over.
   */
  mark(on: boolean): void {
    this.#marking = on;
  }

  /** Marked connections still open. */
  get markedOpen(): number {
    let n = 0;
    for (const s of this.#conns) if (this.#marked.has(s)) n++;
    return n;
  }

  async listen(): Promise<void> {
    const server = createServer((down) => this.#relay(down));
    for (let attempt = 0; ; attempt++) {
      try {
        server.listen(this.#port, '127.0.0.1');
        await once(server, 'listening');
        break;
      } catch (err) {
        if (attempt >= 20) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const addr = server.address();
    if (addr && typeof addr === 'object') this.#port = addr.port;
    this.#server = server;
  }

  async refuse(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#conns) s.destroy();
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    if (this.#server === undefined) await this.listen();
  }

  async close(): Promise<void> {
    await this.refuse();
  }

  #relay(down: Socket): void {
    this.#conns.add(down);
    down.on('data', () => {
      if (this.#marking) this.#marked.add(down);
    });
    const up = connect(Number(this.#upstream.port), this.#upstream.hostname);
    const resetBoth = () => {
      for (const s of [down, up]) if (!s.destroyed) s.resetAndDestroy();
    };
    down.on('error', resetBoth);
    up.on('error', resetBoth);
    down.once('close', () => {
      this.#conns.delete(down);
      if (!up.destroyed) up.destroy();
    });
    up.once('close', () => {
      if (!down.destroyed) down.end();
    });
    down.pipe(up);
    up.pipe(down);
  }
}

/** Relays in front of every listener in `urls`; the returned urls point at the relays. */
export interface RelaySet<K extends string> {
  urls: Record<K, string>;
  proxies: FaultProxy[];
  open(): number;
  markedOpen(): number;
  mark(on: boolean): void;
  refuse(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function proxyAll<K extends string>(urls: Partial<Record<K, string>>): Promise<RelaySet<K>> {
  const out = {} as Record<K, string>;
  const proxies: FaultProxy[] = [];
  for (const [name, url] of Object.entries(urls) as Array<[K, string | undefined]>) {
    if (url === undefined || url === '') continue;
    const p = new FaultProxy(url);
    await p.listen();
    proxies.push(p);
    out[name] = p.url;
  }
  return {
    urls: out,
    proxies,
    open: () => proxies.reduce((n, p) => n + p.open, 0),
    markedOpen: () => proxies.reduce((n, p) => n + p.markedOpen, 0),
    mark: (on) => { for (const p of proxies) p.mark(on); },
    refuse: async () => { await Promise.all(proxies.map((p) => p.refuse())); },
    restore: async () => { await Promise.all(proxies.map((p) => p.restore())); },
    close: async () => { await Promise.all(proxies.map((p) => p.close())); },
  };
}
