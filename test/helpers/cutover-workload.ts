import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulatorInstance } from '../../src/sim/simulator.ts';
import { DEMO_ADMIN } from '../../src/sim/demo-fixtures.ts';
import { postJson as post } from '../../src/cli/post-json.ts';

export interface CutoverWorkloadOptions {
  /** Dispatcher admin URLs; each call goes to the next one (clients spread over the nodes). */
  apiUrls: string[];
  /** Ops URL that receives begin/commit (one node only). */
  opsUrl: string;
  opsToken: string;
  source: SimulatorInstance;
  target: SimulatorInstance;
  iCustomer: number;
  accounts: number[];
  clients: number;
  /** Moves source → target → source …; an even number ends on the source. */
  moves: number;
  /** Upper bounds of the run: writes per client and wall time. */
  maxWritesPerClient: number;
  maxMs: number;
  /** Pause between moves (default 250 ms) so writes flow between cutovers too. */
  pauseMs?: number;
}

export interface CutoverFigures {
  sent: number;
  acknowledged: number;
  retried: number;
  lost: number;
  misrouted: number;
  otherFaults: Record<string, number>;
  moves: number;
  longestCallMs: number;
  longestCutoverMs: number;
  finalSystem: 'source' | 'target';
  finalValueMatches: boolean;
}

type Applied = { tag: string; time: string; seq: number; system: 'source' | 'target'; method: string };


async function appliedWrites(sim: SimulatorInstance, system: 'source' | 'target', iCustomer: number): Promise<{ applied: Applied[]; refused: number }> {
  const res = await fetch(`${sim.urls.admin}/sim/write-log?i_customer=${iCustomer}`);
  const log = (await res.json()) as { applied: Array<{ seq: number; time: string; method: string; fields: Record<string, unknown> }>; refused_count: number };
  const applied: Applied[] = [];
  for (const e of log.applied) {
    const tag = e.fields.notes ?? e.fields.note;
    if (typeof tag === 'string' && tag.startsWith('w-')) applied.push({ tag, time: e.time, seq: e.seq, system, method: e.method });
  }
  return { applied, refused: log.refused_count };
}

/**
 * The no-lost-write proof (SPEC §4.4): concurrent clients keep updating a customer and its
 * accounts through the dispatcher while the customer is migrated back and forth. Every
 * acknowledged write must be found applied on a system while the customer lived there (the
 * simulator refuses and logs writes to a record that moved away: those are misrouted), and the
 * final record must carry the last applied write.
 */
export async function runCutoverWorkload(o: CutoverWorkloadOptions): Promise<CutoverFigures> {
  const tokens: string[] = [];
  for (let i = 0; i < o.apiUrls.length; i++) {
    const r = await post(`${o.apiUrls[i]}/rest/Session/login`, { params: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } });
    if (typeof r.json.access_token !== 'string') throw new Error(`login failed: ${JSON.stringify(r.json)}`);
    tokens.push(r.json.access_token);
  }
  const acked = new Set<string>();
  const otherFaults: Record<string, number> = {};
  let sent = 0;
  let retried = 0;
  let longestCallMs = 0;
  let stop = false;
  const started = performance.now();
  let next = 0;

  const client = async (k: number) => {
    for (let seq = 0; seq < o.maxWritesPerClient && !stop && performance.now() - started < o.maxMs; seq++) {
      const tag = `w-${k}-${seq}`;
      const onAccount = seq % 2 === 1 && o.accounts.length > 0;
      const method = onAccount ? 'Account/update_account' : 'Customer/update_customer';
      const params = onAccount
        ? { account_info: { i_account: o.accounts[(k + seq) % o.accounts.length], note: tag } }
        : { customer_info: { i_customer: o.iCustomer, notes: tag } };
      for (let attempt = 0; attempt < 50 && !stop; attempt++) {
        const node = next++ % o.apiUrls.length;
        sent++;
        const t0 = performance.now();
        const r = await post(`${o.apiUrls[node]}/rest/${method}`, { params }, { authorization: `Bearer ${tokens[node]}` });
        longestCallMs = Math.max(longestCallMs, performance.now() - t0);
        if (r.status === 200) {
          acked.add(tag);
          break;
        }
        const code = String(r.json.faultcode);
        if (code === 'Server.Dispatcher.customer_migrating') {
          retried++;
          await sleep(5);
          continue;
        }
        otherFaults[code] = (otherFaults[code] ?? 0) + 1;
        break;
      }
    }
  };

  let longestCutoverMs = 0;
  let moves = 0;
  let location: 'source' | 'target' = 'source';
  const mover = async () => {
    const auth = { authorization: `Bearer ${o.opsToken}` };
    // Every move is made (a bounded count, each bounded by the dispatcher's timeouts); only the
    // writing clients stop at maxMs.
    for (let m = 0; m < o.moves; m++) {
      await sleep(o.pauseMs ?? 250);
      const to = location === 'source' ? 'target' : 'source';
      const t0 = performance.now();
      const begin = await post(`${o.opsUrl}/v1/migrations/${o.iCustomer}/begin`, {}, auth);
      if (begin.status !== 200) throw new Error(`begin: ${begin.status} ${JSON.stringify(begin.json)}`);
      const from = location === 'source' ? o.source : o.target;
      const dest = location === 'source' ? o.target : o.source;
      const transfer = await post(`${from.urls.admin}/sim/transfer`, { i_customer: o.iCustomer, target: dest.urls.admin });
      if (transfer.status !== 200) {
        await post(`${o.opsUrl}/v1/migrations/${o.iCustomer}/abort`, {}, auth);
        throw new Error(`transfer: ${transfer.status} ${JSON.stringify(transfer.json)}`);
      }
      const commit = await post(`${o.opsUrl}/v1/migrations/${o.iCustomer}/commit`, { system: to }, auth);
      if (commit.status !== 200) throw new Error(`commit: ${commit.status} ${JSON.stringify(commit.json)}`);
      longestCutoverMs = Math.max(longestCutoverMs, performance.now() - t0);
      location = to;
      moves++;
    }
    await sleep(60);
    stop = true;
  };

  await Promise.all([mover(), ...Array.from({ length: o.clients }, (_, k) => client(k))]);

  const [src, tgt] = await Promise.all([appliedWrites(o.source, 'source', o.iCustomer), appliedWrites(o.target, 'target', o.iCustomer)]);
  const appliedTags = new Set([...src.applied, ...tgt.applied].map((a) => a.tag));
  let lost = 0;
  for (const tag of acked) if (!appliedTags.has(tag)) lost++;

  // The record where the customer lives must carry the last customer write applied anywhere.
  const living = location === 'source' ? o.source : o.target;
  const adminLogin = await post(`${living.urls.admin}/rest/Session/login`, { params: { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token } });
  const info = await post(`${living.urls.admin}/rest/Customer/get_customer_info`, { params: { i_customer: o.iCustomer } }, { authorization: `Bearer ${String(adminLogin.json.access_token)}` });
  const notes = (info.json.customer_info as { notes?: string } | undefined)?.notes;
  const customerWrites = [...src.applied, ...tgt.applied].filter((a) => a.method.startsWith('Customer/')).sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  const lastTime = customerWrites.at(-1)?.time;
  const candidates = customerWrites.filter((a) => a.time === lastTime).map((a) => a.tag);
  return {
    sent, acknowledged: acked.size, retried, lost, misrouted: src.refused + tgt.refused, otherFaults, moves,
    longestCallMs: Math.round(longestCallMs), longestCutoverMs: Math.round(longestCutoverMs), finalSystem: location,
    finalValueMatches: candidates.length === 0 ? notes === undefined || !String(notes).startsWith('w-') : candidates.includes(String(notes)),
  };
}
