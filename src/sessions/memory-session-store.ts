import type { DispatcherSession } from './session.ts';
import type { SessionStore } from './session-store.ts';
import { copySession, isCompact, packedExpiresAt, packSession, unpackSession } from './compact-session.ts';

/** Slots of the decoded-session cache (a power of two). */
const SLOTS = 1024;

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = 10 + i;
const keyCodes: number[] = new Array<number>(24).fill(0);

/**
 * The 24 bytes of an id this product issues (48 lowercase hex digits, SessionTokens.newSessionId)
 * as a latin1 string, half the size of the hex; undefined for any other id.
 */
function issuedKey(id: string): string | undefined {
  if (id.length !== 48) return undefined;
  for (let i = 0; i < 24; i++) {
    const a = id.charCodeAt(2 * i);
    const b = id.charCodeAt(2 * i + 1);
    const hi = a < 128 ? HEX_VALUE[a]! : -1;
    const lo = b < 128 ? HEX_VALUE[b]! : -1;
    if ((hi | lo) < 0) return undefined;
    keyCodes[i] = hi * 16 + lo;
  }
  return String.fromCharCode.apply(null, keyCodes);
}

/** A slot index for an id: cheap, and spread well for issued (random hex) ids. */
function slotOf(id: string): number {
  return (id.charCodeAt(0) * 7919 + id.charCodeAt(id.length >> 1) * 31 + id.charCodeAt(id.length - 1) + id.length) & (SLOTS - 1);
}

/**
 * In-process sessions for a single node. Each session is one short binary string
 * (compact-session.ts) under its id's raw bytes: two small heap objects per session and no
 * per-session timer, closure or nested object. A session read twice in a row through its cache
 * slot is also kept decoded there (a client sends the same session on every call), so a client
 * calling again does not pay the decoding, while sessions read once in a while are never held
 * decoded (that would push short-lived copies into the old generation). A read returns a fresh
 * copy (callers change a session only through put or update, as with a shared store). Expired
 * entries are dropped on read and by one periodic sweep.
 */
export class MemorySessionStore implements SessionStore {
  /** Issued ids, keyed by `issuedKey`. */
  #sessions = new Map<string, string>();
  /** Any other id (tests, older ids): keyed as given, so it can never alias an issued one. */
  #others = new Map<string, string>();
  /** Direct-mapped cache: the id last read through each slot, and its decoded copy once read twice. */
  #slotIds = new Array<string | undefined>(SLOTS).fill(undefined);
  #slotSessions = new Array<DispatcherSession | undefined>(SLOTS).fill(undefined);
  #sweep: NodeJS.Timeout;

  constructor(sweepIntervalMs = 60_000) {
    this.#sweep = setInterval(() => this.#dropExpired(), sweepIntervalMs);
    this.#sweep.unref();
  }

  #dropExpired(): void {
    const now = Date.now() / 1000;
    for (const map of [this.#sessions, this.#others]) {
      for (const [key, s] of map) if (packedExpiresAt(s) <= now) map.delete(key);
    }
    this.#slotIds.fill(undefined);
    this.#slotSessions.fill(undefined);
  }

  #where(id: string): [Map<string, string>, string] {
    const key = issuedKey(id);
    return key !== undefined ? [this.#sessions, key] : [this.#others, id];
  }

  /** Every change of a session goes through here first: its decoded copy is stale. */
  #forget(id: string): void {
    const slot = slotOf(id);
    if (this.#slotIds[slot] === id) this.#slotSessions[slot] = undefined;
  }

  async get(id: string): Promise<DispatcherSession | undefined> {
    if (id.length === 0) return undefined;
    const slot = slotOf(id);
    const seen = this.#slotIds[slot] === id;
    const hot = seen ? this.#slotSessions[slot] : undefined;
    if (hot !== undefined && hot.expiresAt > Date.now() / 1000) return copySession(hot);
    const [map, key] = this.#where(id);
    const s = map.get(key);
    if (s === undefined || packedExpiresAt(s) <= Date.now() / 1000) {
      map.delete(key);
      this.#forget(id);
      return undefined;
    }
    const session = unpackSession(id, s);
    if (!seen) {
      this.#slotIds[slot] = id;
      this.#slotSessions[slot] = undefined;
    } else if (isCompact(s)) {
      this.#slotSessions[slot] = copySession(session);
    }
    return session;
  }

  async put(session: DispatcherSession): Promise<void> {
    const [map, key] = this.#where(session.id);
    this.#forget(session.id);
    map.set(key, packSession(session));
  }

  async update(id: string, change: (session: DispatcherSession) => void): Promise<DispatcherSession | undefined> {
    // No await between the read and the write: atomic within the event loop.
    const [map, key] = this.#where(id);
    const s = map.get(key);
    this.#forget(id);
    if (s === undefined || packedExpiresAt(s) <= Date.now() / 1000) return undefined;
    const session = unpackSession(id, s);
    change(session);
    map.set(key, packSession(session));
    return session;
  }

  async delete(id: string): Promise<void> {
    const [map, key] = this.#where(id);
    this.#forget(id);
    map.delete(key);
  }

  async count(): Promise<number> {
    return this.#sessions.size + this.#others.size;
  }

  async check(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    this.#sessions.clear();
    this.#others.clear();
    this.#slotIds.fill(undefined);
    this.#slotSessions.fill(undefined);
  }
}
