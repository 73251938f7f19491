import type { CampaignPhase, CampaignRecord, CampaignSpec, CampaignState, CustomerEntry, CustomerStep, EntryPatch } from './campaign.ts';
import { FINISHED_STEPS } from './campaign.ts';
import type { CampaignProgress, CampaignStore } from './campaign-store.ts';
import { emptyCounts } from './campaign-store.ts';
import { campaignExists, campaignNotFound } from './campaign-faults.ts';

interface Stored {
  record: CampaignRecord;
  entries: Map<number, CustomerEntry>;
}

/** A campaign store in this process's memory (tests, `directory.store: memory`); gone at exit. */
export class MemoryCampaignStore implements CampaignStore {
  readonly #campaigns = new Map<string, Stored>();

  #get(name: string): Stored {
    const c = this.#campaigns.get(name);
    if (c === undefined) throw campaignNotFound(name);
    return c;
  }

  async create(spec: CampaignSpec, customers: number[], now: number): Promise<CampaignRecord> {
    if (this.#campaigns.has(spec.name)) throw campaignExists(spec.name);
    const record: CampaignRecord = { spec: structuredClone(spec), state: 'created', phase: 'forward', reason: null, createdAt: now, updatedAt: now, leaseOwner: null, leaseUntil: 0 };
    const entries = new Map<number, CustomerEntry>();
    for (const id of [...new Set(customers)].sort((a, b) => a - b)) {
      entries.set(id, { iCustomer: id, state: 'pending', direction: 'forward', failedStep: null, reason: null, snapshot: null, updatedAt: now, finishedAt: null });
    }
    this.#campaigns.set(spec.name, { record, entries });
    return structuredClone(record);
  }

  async get(name: string): Promise<CampaignRecord | undefined> {
    const c = this.#campaigns.get(name);
    return c === undefined ? undefined : structuredClone(c.record);
  }

  async list(): Promise<CampaignRecord[]> {
    return [...this.#campaigns.values()].map((c) => structuredClone(c.record)).sort((a, b) => a.createdAt - b.createdAt || a.spec.name.localeCompare(b.spec.name));
  }

  async setState(name: string, state: CampaignState, phase: CampaignPhase, reason: string | null, now: number, onlyIf?: CampaignState[]): Promise<boolean> {
    const { record } = this.#get(name);
    if (onlyIf !== undefined && !onlyIf.includes(record.state)) return false;
    Object.assign(record, { state, phase, reason, updatedAt: now });
    return true;
  }

  async entries(name: string, states: CustomerStep[], limit: number): Promise<CustomerEntry[]> {
    const out: CustomerEntry[] = [];
    for (const e of this.#get(name).entries.values()) {
      if (out.length >= limit) break;
      if (states.includes(e.state)) out.push({ ...e });
    }
    return out;
  }

  async entry(name: string, iCustomer: number): Promise<CustomerEntry | undefined> {
    const e = this.#get(name).entries.get(iCustomer);
    return e === undefined ? undefined : { ...e };
  }

  async updateEntry(name: string, iCustomer: number, patch: EntryPatch, now: number): Promise<void> {
    const e = this.#get(name).entries.get(iCustomer);
    if (e === undefined) throw campaignNotFound(`${name} (customer ${iCustomer})`);
    e.state = patch.state;
    if (patch.direction !== undefined) e.direction = patch.direction;
    if (patch.failedStep !== undefined) e.failedStep = patch.failedStep;
    if (patch.reason !== undefined) e.reason = patch.reason;
    if (patch.snapshot !== undefined) e.snapshot = patch.snapshot;
    e.updatedAt = now;
    e.finishedAt = FINISHED_STEPS.includes(patch.state) ? now : null;
  }

  async recentFinished(name: string, n: number): Promise<CustomerEntry[]> {
    return [...this.#get(name).entries.values()].filter((e) => e.finishedAt !== null)
      .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0) || b.iCustomer - a.iCustomer).slice(0, n).map((e) => ({ ...e }));
  }

  async progress(name: string, finishedSince: number): Promise<CampaignProgress> {
    const counts = emptyCounts();
    let since = 0;
    for (const e of this.#get(name).entries.values()) {
      counts[e.state]++;
      if (e.finishedAt !== null && e.finishedAt >= finishedSince) since++;
    }
    return { counts, finishedSince: since };
  }

  async acquireLease(name: string, owner: string, now: number, ms: number): Promise<boolean> {
    const { record } = this.#get(name);
    if (record.leaseOwner !== null && record.leaseOwner !== owner && record.leaseUntil > now) return false;
    record.leaseOwner = owner;
    record.leaseUntil = now + ms;
    return true;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    const { record } = this.#get(name);
    if (record.leaseOwner === owner) {
      record.leaseOwner = null;
      record.leaseUntil = 0;
    }
  }

  async close(): Promise<void> { /* nothing to release */ }
}
