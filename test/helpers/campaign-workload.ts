import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulatorInstance } from '../../src/sim/simulator.ts';
import { DEMO_ACCOUNT, DEMO_ADMIN, DEMO_CUSTOMER } from '../../src/sim/demo-fixtures.ts';
import { postJson as post } from '../../src/cli/post-json.ts';

export interface CampaignWorkloadOptions {
  /** Dispatcher listener URLs (clients spread over the nodes when several are given). */
  nodes: Array<{ admin: string; customer: string; account: string }>;
  source: SimulatorInstance;
  target: SimulatorInstance;
  /** The customers the campaign moves (admin clients write to all of them). */
  customers: number[];
  clients: number;
  maxWritesPerClient: number;
  maxMs: number;
  /** Resolves when the campaign has ended; the clients then stop. */
  until: Promise<unknown>;
}

export interface CampaignFigures {
  acknowledged: number;
  lost: number;
  /** Writes the simulators refused because the record had moved away (a misrouted write). */
  misrouted: number;
  retried: number;
  heldCallMs: number[];
  otherFaults: Record<string, number>;
  /** Customers whose living record does not carry its last applied customer write. */
  staleFinal: number[];
}

interface Applied { tag: string; seq: number; method: string }

async function appliedOn(sim: SimulatorInstance, iCustomer: number): Promise<{ applied: Applied[]; refused: number }> {
  const log = (await (await fetch(`${sim.urls.admin}/sim/write-log?i_customer=${iCustomer}`)).json()) as { applied: Array<{ seq: number; method: string; fields: Record<string, unknown> }>; refused_count: number };
  const applied: Applied[] = [];
  for (const e of log.applied) {
    const tag = e.fields.notes ?? e.fields.note;
    if (typeof tag === 'string' && tag.startsWith('w-')) applied.push({ tag, seq: e.seq, method: e.method });
  }
  return { applied, refused: log.refused_count };
}

async function loginAt(url: string, creds: Record<string, string>): Promise<string> {
  const r = await post(`${url}/rest/Session/login`, { params: creds });
  if (typeof r.json.access_token !== 'string') throw new Error(`login at ${url} failed: ${JSON.stringify(r.json)}`);
  return r.json.access_token;
}

/**
 * Clients read and write the campaign's customers through the dispatcher while it moves them
 * (issue 12 acceptance): admin sessions update every customer's notes and its accounts' notes; a
 * retail customer session and a retail account session update their own. Afterwards every
 * acknowledged write must be in a simulator's applied log, none refused as misrouted, and each
 * customer's living record (`systemOf`) must carry the last customer write applied to it.
 */
export async function runCampaignWorkload(o: CampaignWorkloadOptions, systemOf: (iCustomer: number) => Promise<'source' | 'target'>): Promise<CampaignFigures> {
  const accounts = new Map<number, number[]>();
  const srcToken = await loginAt(o.source.urls.admin, { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token });
  for (const id of o.customers) {
    const r = await post(`${o.source.urls.admin}/rest/Account/get_account_list`, { params: { i_customer: id } }, { authorization: `Bearer ${srcToken}` });
    accounts.set(id, ((r.json.account_list ?? []) as Array<{ i_account: number }>).map((a) => a.i_account));
  }
  const acked = new Map<string, number>();
  const otherFaults: Record<string, number> = {};
  const heldCallMs: number[] = [];
  let retried = 0;
  let stop = false;
  void o.until.finally(() => { stop = true; });
  const started = performance.now();

  const client = async (k: number) => {
    const node = o.nodes[k % o.nodes.length]!;
    const retail = k === 0 ? 'customer' : k === 1 ? 'account' : 'admin';
    const url = retail === 'customer' ? node.customer : retail === 'account' ? node.account : node.admin;
    const relogin = () => loginAt(url, retail === 'customer' ? { login: DEMO_CUSTOMER.login, password: DEMO_CUSTOMER.password }
      : retail === 'account' ? { login: DEMO_ACCOUNT.login, password: DEMO_ACCOUNT.password } : { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token });
    let token = await relogin();
    for (let seq = 0; seq < o.maxWritesPerClient && !stop && performance.now() - started < o.maxMs; seq++) {
      const tag = `w-${k}-${seq}`;
      const iCustomer = retail === 'admin' ? o.customers[(k * 7 + seq) % o.customers.length]! : DEMO_CUSTOMER.iCustomer;
      const accts = accounts.get(iCustomer) ?? [];
      let method: string;
      let params: unknown;
      if (retail === 'account') [method, params] = ['Account/update_account', { account_info: { i_account: DEMO_ACCOUNT.iAccount, note: tag } }];
      else if (retail === 'customer' || seq % 3 !== 1 || accts.length === 0) [method, params] = ['Customer/update_customer', { customer_info: { i_customer: iCustomer, notes: tag } }];
      else [method, params] = ['Account/update_account', { account_info: { i_account: accts[seq % accts.length], note: tag } }];
      if (seq % 4 === 3) await post(`${url}/rest/Customer/get_customer_info`, { params: retail === 'admin' ? { i_customer: iCustomer } : {} }, { authorization: `Bearer ${token}` });
      for (let attempt = 0; attempt < 50 && !stop; attempt++) {
        const t0 = performance.now();
        const r = await post(`${url}/rest/${method}`, { params }, { authorization: `Bearer ${token}` });
        const ms = performance.now() - t0;
        if (r.status === 200) {
          acked.set(tag, iCustomer);
          heldCallMs.push(ms);
          break;
        }
        const code = String(r.json.faultcode);
        if (code === 'Server.Dispatcher.customer_migrating') {
          retried++;
          await sleep(5);
          continue;
        }
        if (code.includes('check_auth') || code === 'Server.Session.auth_failed') {
          // A retail session of a customer that moved: log in again, as clients do.
          retried++;
          token = await relogin();
          continue;
        }
        otherFaults[code] = (otherFaults[code] ?? 0) + 1;
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: o.clients }, (_, k) => client(k)));
  await o.until;

  let lost = 0;
  let misrouted = 0;
  const staleFinal: number[] = [];
  const dstToken = await loginAt(o.target.urls.admin, { login: DEMO_ADMIN.login, token: DEMO_ADMIN.token });
  for (const id of o.customers) {
    const [src, tgt] = await Promise.all([appliedOn(o.source, id), appliedOn(o.target, id)]);
    misrouted += src.refused + tgt.refused;
    const tags = new Set([...src.applied, ...tgt.applied].map((a) => a.tag));
    for (const [tag, c] of acked) if (c === id && !tags.has(tag)) lost++;
    const system = await systemOf(id);
    // One forward move: every write on the target follows every write on the source.
    const writes = [...src.applied, ...(system === 'target' ? tgt.applied : [])].filter((a) => a.method.startsWith('Customer/'));
    const last = writes.at(-1)?.tag;
    if (last === undefined) continue;
    const sim = system === 'source' ? o.source : o.target;
    const info = await post(`${sim.urls.admin}/rest/Customer/get_customer_info`, { params: { i_customer: id } }, { authorization: `Bearer ${system === 'source' ? srcToken : dstToken}` });
    if ((info.json.customer_info as { notes?: string } | undefined)?.notes !== last) staleFinal.push(id);
  }
  return { acknowledged: acked.size, lost, misrouted, retried, heldCallMs, otherFaults, staleFinal };
}
