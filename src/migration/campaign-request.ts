import type { SystemName } from '../core/api-call.ts';
import { SYSTEMS } from '../core/api-call.ts';
import type { CampaignSpec, CopySpec, FailureBudget, TimeWindow } from './campaign.ts';
import { badCampaign } from './campaign-faults.ts';
import { isClockTime } from './pace.ts';

/** Which customers a campaign moves: a list of ids, or a selection read on the system they leave. */
export type CampaignSelection =
  | { kind: 'ids'; ids: number[] }
  | { kind: 'select'; reseller?: number; customerClass?: number; idFrom?: number; idTo?: number };

/** A validated `POST /v1/campaigns` body. */
export interface CampaignRequest {
  spec: CampaignSpec;
  selection: CampaignSelection;
}

export interface RequestRules {
  defaultCopy?: 'sim';
  /** Programs a `command` copy step may run. */
  commands: readonly string[];
}

export const MAX_CAMPAIGN_CUSTOMERS = 1_000_000;

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

function int(raw: Raw, key: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const v = raw[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw badCampaign(`${key} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

function parseWindow(v: unknown): TimeWindow | undefined {
  if (v === undefined || v === null) return undefined;
  let start: unknown;
  let end: unknown;
  if (typeof v === 'string') [start, end] = v.split(/\s*[-–]\s*/);
  else if (isObject(v)) ({ start, end } = v);
  if (!isClockTime(start) || !isClockTime(end)) throw badCampaign(`window must be "HH:MM-HH:MM" or {"start":"HH:MM","end":"HH:MM"} (local time), got ${JSON.stringify(v)}`);
  return { start, end };
}

function parseBudget(v: unknown): FailureBudget | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw badCampaign(`failureBudget must be {"last":N,"maxFailures":M}, got ${JSON.stringify(v)}`);
  const last = int(v, 'last', undefined, 1, 100_000);
  const maxFailures = int(v, 'maxFailures', undefined, 0, 100_000);
  if (last === undefined || maxFailures === undefined) throw badCampaign('failureBudget needs "last" (customers) and "maxFailures"');
  if (maxFailures >= last) throw badCampaign(`failureBudget.maxFailures (${maxFailures}) must be below last (${last}), or the budget can never pause the campaign`);
  return { last, maxFailures };
}

function httpUrl(v: unknown, what: string): string {
  let url: URL;
  try {
    url = new URL(String(v));
  } catch {
    throw badCampaign(`${what} must be an http(s) URL, got ${JSON.stringify(v)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badCampaign(`${what} must be an http(s) URL, got ${JSON.stringify(v)}`);
  return url.href;
}

function parseCopy(v: unknown, rules: RequestRules): CopySpec {
  if (v === undefined || v === null) {
    if (rules.defaultCopy !== undefined) return { type: rules.defaultCopy };
    throw badCampaign('copy is required: {"type":"command","command":"/path/tool","args":["{i_customer}"]} or {"type":"http","url":"…"} (or {"type":"sim"} on the simulators)');
  }
  if (!isObject(v)) throw badCampaign(`copy must be an object, got ${JSON.stringify(v)}`);
  const timeoutMs = int(v, 'timeoutMs', undefined, 100, 3_600_000);
  const t = timeoutMs === undefined ? {} : { timeoutMs };
  switch (v.type) {
    case 'sim': return { type: 'sim', ...t };
    case 'command': {
      if (typeof v.command !== 'string' || v.command === '') throw badCampaign('copy.command (the program to run) is required');
      if (!rules.commands.includes(v.command)) throw badCampaign(`copy.command ${JSON.stringify(v.command)} is not in campaigns.commands of the dispatcher's config (the programs an ops token may run)`);
      const args = v.args ?? [];
      if (!Array.isArray(args) || args.some((a) => typeof a !== 'string') || args.length > 100) throw badCampaign('copy.args must be a list of at most 100 strings');
      const out: CopySpec = { type: 'command', command: v.command, args: args as string[], ...t };
      if (v.undoArgs !== undefined) {
        if (!Array.isArray(v.undoArgs) || v.undoArgs.some((a) => typeof a !== 'string') || v.undoArgs.length > 100) throw badCampaign('copy.undoArgs must be a list of at most 100 strings');
        out.undoArgs = v.undoArgs as string[];
      }
      return out;
    }
    case 'http': {
      const headers = v.headers ?? {};
      if (!isObject(headers) || Object.values(headers).some((h) => typeof h !== 'string')) throw badCampaign('copy.headers must map names to strings');
      const out: CopySpec = { type: 'http', url: httpUrl(v.url, 'copy.url'), headers: headers as Record<string, string>, ...t };
      if (v.undoUrl !== undefined) out.undoUrl = httpUrl(v.undoUrl, 'copy.undoUrl');
      return out;
    }
    default: throw badCampaign(`copy.type must be sim, command or http, got ${JSON.stringify(v.type)}`);
  }
}

function parseSelection(body: Raw): CampaignSelection {
  if (body.customers !== undefined && body.select !== undefined) throw badCampaign('give either customers (a list of ids) or select, not both');
  if (body.customers !== undefined) {
    const c = body.customers;
    if (!Array.isArray(c) || c.length === 0 || c.length > MAX_CAMPAIGN_CUSTOMERS) throw badCampaign(`customers must be a list of 1 to ${MAX_CAMPAIGN_CUSTOMERS} i_customer ids`);
    const bad = c.find((id) => !isId(id));
    if (bad !== undefined) throw badCampaign(`customers: ${JSON.stringify(bad)} is not a positive integer i_customer`);
    return { kind: 'ids', ids: c as number[] };
  }
  if (!isObject(body.select)) throw badCampaign('customers (a list of ids) or select ({"reseller"|"customerClass"|"idRange"|"all"}) is required');
  const s = body.select;
  const known = new Set(['reseller', 'customerClass', 'idRange', 'all']);
  const unknown = Object.keys(s).filter((k) => !known.has(k));
  if (unknown.length > 0) throw badCampaign(`select: unknown key(s) ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  const out: CampaignSelection = { kind: 'select' };
  if (s.reseller !== undefined) {
    if (!isId(s.reseller)) throw badCampaign(`select.reseller must be the reseller's i_customer, got ${JSON.stringify(s.reseller)}`);
    out.reseller = s.reseller;
  }
  if (s.customerClass !== undefined) {
    if (!isId(s.customerClass)) throw badCampaign(`select.customerClass must be an i_customer_class, got ${JSON.stringify(s.customerClass)}`);
    out.customerClass = s.customerClass;
  }
  if (s.idRange !== undefined) {
    const r = s.idRange;
    if (!isObject(r) || !isId(r.from) || !isId(r.to) || r.from > r.to) throw badCampaign(`select.idRange must be {"from":N,"to":M} with 0 < N ≤ M, got ${JSON.stringify(r)}`);
    out.idFrom = r.from;
    out.idTo = r.to;
  }
  if (s.all !== undefined && s.all !== true) throw badCampaign('select.all must be true');
  if (Object.keys(s).length === 0) throw badCampaign('select needs at least one of reseller, customerClass, idRange or all:true');
  return out;
}

/** Validates a `POST /v1/campaigns` body; every refusal is a 400 naming the field. */
export function parseCampaignRequest(body: unknown, rules: RequestRules): CampaignRequest {
  if (!isObject(body)) throw badCampaign('the body must be a JSON object');
  const name = body.name;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw badCampaign(`name must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit), got ${JSON.stringify(name)}`);
  const from = (body.from ?? 'source') as SystemName;
  if (!SYSTEMS.includes(from)) throw badCampaign(`from must be source or target, got ${JSON.stringify(body.from)}`);
  const to: SystemName = from === 'source' ? 'target' : 'source';
  if (body.to !== undefined && body.to !== to) throw badCampaign(`to must be the other system (${to}), got ${JSON.stringify(body.to)}`);
  const spec: CampaignSpec = {
    name, from, to,
    batchSize: int(body, 'batchSize', 100, 1, 100_000)!,
    concurrency: int(body, 'concurrency', 4, 1, 64)!,
    copy: parseCopy(body.copy, rules),
  };
  if (body.ratePerMinute !== undefined && body.ratePerMinute !== null) {
    const r = body.ratePerMinute;
    if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0 || r > 100_000) throw badCampaign(`ratePerMinute must be a number in (0, 100000], got ${JSON.stringify(r)}`);
    spec.ratePerMinute = r;
  }
  const window = parseWindow(body.window);
  if (window !== undefined) spec.window = window;
  const budget = parseBudget(body.failureBudget);
  if (budget !== undefined) spec.failureBudget = budget;
  return { spec, selection: parseSelection(body) };
}
