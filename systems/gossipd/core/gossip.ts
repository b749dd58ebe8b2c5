/**
 * The gossipd protocol core: Gossip Dissemination, HeartBeat failure detection, Generation Clock
 * and Emergent Leader as one pure state machine (etcd raft's Ready/Advance model, like
 * systems/raftkv/core). It never touches sockets, timers or the disk: the shell (main.ts) or the
 * simulator (sim.ts) steps it with peer messages, ticks and client requests, and carries out what
 * `ready()` asks for (records to persist, messages to send, replies to clients).
 *
 * - **Versioned cluster state.** Each node holds a section per member: the owner's generation and
 *   its entries, each stamped with the owner's version (a counter the owner alone bumps). A node
 *   writes only its own section (client `write`s, its heartbeat, the coordinator's shard
 *   assignment) and takes other sections only from gossip, and only what is newer: a higher
 *   generation replaces the whole section, the same generation brings entries of higher versions.
 * - **Gossip (push-pull).** Every round a node picks `fanout` random peers (the seeded rng) and
 *   sends each a digest (`Syn`: member, generation, highest version); the peer answers with what
 *   it holds newer and what it wants (`Ack`), and the first node sends what was wanted (`Ack2`).
 * - **HeartBeat.** Each round a node bumps the heartbeat counter in its own section. A member
 *   whose section has not grown for `suspectMs` is suspected, for `downMs` down; a member never
 *   heard of in this incarnation is suspected until then.
 * - **Generation Clock.** A node's generation is durable (the shell fsyncs it before it serves):
 *   a restarted node comes back with the next one, so its new state wins over its old one.
 * - **Emergent Leader.** Members are ordered by join order (the cluster's member list); the oldest
 *   member not down coordinates: it assigns the owners of `SHARDS` fixed shards (publishing the
 *   assignment in its own section), and acts only while it sees (not suspected) a majority of the
 *   known members and has been eligible for `claimDelayMs` without its ticks stalling. Every claim
 *   is recorded, durably, with the membership it saw and its real-time interval.
 *
 * Variants leave one step out: `no-generation` (a restart reuses the old generation, so its
 * versions start again below what the others hold), `no-quorum-check` (the coordinator acts
 * without a majority), `push-only` (new entries are pushed once to random peers, no digests).
 */
import type { Rng } from '../../lib/rng.js';

/** The variants of gossipd: `correct` and one switch per pattern step left out. */
export const GOSSIPD_VARIANTS = ['correct', 'no-generation', 'no-quorum-check', 'push-only'] as const;
export type Variant = (typeof GOSSIPD_VARIANTS)[number];

/** The fixed set of shards the coordinator assigns owners to. */
export const SHARDS = 8;

/** Entry keys of the protocol itself; client keys are {@link CLIENT_KEY_PREFIX} + the key's JSON text. */
export const HEARTBEAT_KEY = '_hb';
export const CLIENT_KEY_PREFIX = 'k';
export const SHARDS_KEY = '_shards';

/** Timings and sizes; the shell reads them from `params`. */
export interface GossipParams {
  /** A gossip round every so many ticks. */
  gossipTicks: number;
  /** Peers contacted per round. */
  fanout: number;
  suspectMs: number;
  downMs: number;
  /** How long a node must be eligible before it acts as coordinator. */
  claimDelayMs: number;
  /** Ticks further apart than this (a paused or starved process) end a claim and restart the delay. */
  tickGapMs: number;
  /** How often an ongoing claim's end time is written down. */
  renewMs: number;
  /** Most entries a node holds in its own section (client keys). */
  maxOwnEntries: number;
}

export const DEFAULT_PARAMS: GossipParams = {
  gossipTicks: 2,
  fanout: 2,
  suspectMs: 600,
  downMs: 1500,
  claimDelayMs: 2000,
  tickGapMs: 300,
  renewMs: 200,
  maxOwnEntries: 10_000,
};

/** One stamped entry: its value and the owner's version when it was written. */
export interface Stamped {
  v: unknown;
  ver: number;
}

/** One member's section of the cluster state. */
export interface Section {
  gen: number;
  maxVer: number;
  entries: Map<string, Stamped>;
}

/** A digest line: member, generation, highest version held. */
export type DigestLine = [node: string, gen: number, maxVer: number];

/** Entries of one member, newer than some digest: the whole section when `full`. */
export interface Delta {
  node: string;
  gen: number;
  full: boolean;
  entries: [key: string, v: unknown, ver: number][];
}

interface Head {
  from: string;
  to: string;
}
export type PeerMessage =
  | (Head & { type: 'Syn'; digest: DigestLine[] })
  | (Head & { type: 'Ack'; deltas: Delta[]; want: DigestLine[] })
  | (Head & { type: 'Ack2'; deltas: Delta[] })
  | (Head & { type: 'Push'; deltas: Delta[] });

/** A coordinator claim: who acted, over which membership, when (true wall clock, µs), assigning what. */
export interface Claim {
  node: string;
  gen: number;
  /** Start of the claim: also its id within the node. */
  fromUs: number;
  /** The last moment the coordinator acted under this claim. */
  toUs: number;
  known: string[];
  seen: string[];
  epoch: number;
  owners: string[];
}

/** What the core asks the shell to write (fsynced before the Ready's replies and messages). */
export type Persist = { t: 'set'; k: string; v: unknown } | { t: 'claim'; c: Claim };

/** A client request as the core takes it. */
export type ClientRequest = { type: 'read'; key: string } | { type: 'write'; key: string; value: unknown } | { type: 'state' } | { type: 'claims' };

export type ReplyBody = { type: string; [field: string]: unknown };

export interface Ready {
  early: PeerMessage[];
  messages: PeerMessage[];
  persist: Persist[];
  replies: { reqId: number; body: ReplyBody }[];
}

/** What a node restores from its disk at boot. */
export interface Restored {
  /** The generation of the previous incarnation (0 on the first boot). */
  lastGen: number;
  /** Its own client entries, in the order written (the last write of a key wins). */
  own: [string, unknown][];
  claims: Claim[];
}

export interface GossipOptions {
  id: string;
  /** Every member, in join order (the oldest first); includes `id`. */
  members: string[];
  variant: Variant;
  params: GossipParams;
  rng: Rng;
  restored: Restored;
  /** Monotonic milliseconds (timeouts). */
  nowMs: () => number;
  /** True wall-clock microseconds (claim intervals; never skewed by the clock nemesis). */
  wallUs: () => number;
}

/** A core assertion: the node crashes rather than go on from a state that cannot be. */
export class GossipInvariantError extends Error {}

function assert(cond: boolean, what: string): asserts cond {
  if (!cond) throw new GossipInvariantError(what);
}

/** The generation a booting node takes: the next one, or (no-generation) the old one again. */
export function bootGeneration(variant: Variant, lastGen: number): number {
  return variant === 'no-generation' ? Math.max(1, lastGen) : lastGen + 1;
}

/** The initial owner of each shard: round robin over the members in join order. */
export function initialOwners(members: readonly string[]): string[] {
  return Array.from({ length: SHARDS }, (_, i) => members[i % members.length]!);
}

/** The shard assignment of a coordinator that sees `live`: shards of members not live move to the least loaded live ones. */
export function reassign(base: readonly string[], live: readonly string[]): string[] {
  const load = new Map(live.map((m) => [m, 0]));
  for (const o of base) if (load.has(o)) load.set(o, load.get(o)! + 1);
  return base.map((o) => {
    if (load.has(o)) return o;
    let best = live[0]!;
    for (const m of live) if (load.get(m)! < load.get(best)!) best = m;
    load.set(best, load.get(best)! + 1);
    return best;
  });
}

export class GossipNode {
  readonly id: string;
  readonly gen: number;
  private readonly members: string[];
  private readonly variant: Variant;
  private readonly p: GossipParams;
  private readonly rng: Rng;
  private readonly nowMs: () => number;
  private readonly wallUs: () => number;
  /** Every member's section, this node's own included. */
  private readonly sections = new Map<string, Section>();
  private ver = 0;
  private heartbeat = 0;
  private ticks = 0;
  private readonly bootMs: number;
  private readonly lastHeardMs = new Map<string, number>();
  private lastTickMs: number | null = null;
  private lastTickUs = 0;
  private eligibleSinceMs: number | null = null;
  private claim: Claim | null = null;
  private claimPersistedUs = 0;
  private readonly claims: Claim[];
  /** Messages sent, by type, since boot. */
  readonly sent: Record<string, number> = { Syn: 0, Ack: 0, Ack2: 0, Push: 0 };
  rounds = 0;
  private rd: Ready = { early: [], messages: [], persist: [], replies: [] };

  constructor(o: GossipOptions) {
    assert(o.members.includes(o.id), `${o.id} is not one of the members`);
    this.id = o.id;
    this.members = [...o.members];
    this.variant = o.variant;
    this.p = o.params;
    this.rng = o.rng;
    this.nowMs = o.nowMs;
    this.wallUs = o.wallUs;
    this.gen = bootGeneration(o.variant, o.restored.lastGen);
    this.bootMs = o.nowMs();
    this.claims = [...o.restored.claims];
    const own: Section = { gen: this.gen, maxVer: 0, entries: new Map() };
    this.sections.set(this.id, own);
    // The restored entries are stamped again in this generation's versions, starting at 1: with
    // a new generation the peers take the whole section; without one (no-generation) they hold
    // higher versions of the old incarnation and ignore these.
    for (const [k, v] of o.restored.own) this.setOwn(k, v);
    this.beat();
    if (this.variant === 'push-only') this.pushOwn(this.fullDelta(this.id), null);
  }

  // ------------------------------------------------------------------ own section

  private setOwn(key: string, v: unknown): number {
    const own = this.sections.get(this.id)!;
    const ver = ++this.ver;
    own.entries.set(key, { v, ver });
    own.maxVer = ver;
    return ver;
  }

  private beat(): void {
    this.heartbeat++;
    const ver = this.setOwn(HEARTBEAT_KEY, this.heartbeat);
    if (this.variant === 'push-only' && this.ticks > 0) this.pushOwn({ node: this.id, gen: this.gen, full: false, entries: [[HEARTBEAT_KEY, this.heartbeat, ver]] }, null);
  }

  // ------------------------------------------------------------------ inputs

  /** A client request; its reply comes out of a later Ready. */
  request(reqId: number, req: ClientRequest): void {
    switch (req.type) {
      case 'read': {
        const value: Record<string, unknown> = {};
        for (const [owner, s] of this.sections) {
          const e = s.entries.get(req.key);
          if (e !== undefined) value[owner] = e.v;
        }
        this.rd.replies.push({ reqId, body: { type: 'read_ok', value } });
        return;
      }
      case 'write': {
        const own = this.sections.get(this.id)!;
        if (!own.entries.has(req.key) && own.entries.size >= this.p.maxOwnEntries) {
          this.rd.replies.push({ reqId, body: { type: 'error', code: 11, text: `this node holds ${this.p.maxOwnEntries} keys, the most it takes` } });
          return;
        }
        const ver = this.setOwn(req.key, req.value);
        this.rd.persist.push({ t: 'set', k: req.key, v: req.value });
        // Replied once the write is on disk (the shell syncs the Ready's records before replies).
        this.rd.replies.push({ reqId, body: { type: 'write_ok', owner: this.id, gen: this.gen, ver } });
        if (this.variant === 'push-only') this.pushOwn({ node: this.id, gen: this.gen, full: false, entries: [[req.key, req.value, ver]] }, null);
        return;
      }
      case 'state':
        this.rd.replies.push({ reqId, body: { type: 'state_ok', state: this.stateView() } });
        return;
      case 'claims':
        this.rd.replies.push({ reqId, body: { type: 'claims_ok', claims: this.allClaims() } });
        return;
    }
  }

  /** One peer message. */
  step(m: PeerMessage): void {
    if (m.to !== this.id || m.from === this.id || !this.members.includes(m.from)) return;
    switch (m.type) {
      case 'Syn': {
        if (this.variant === 'push-only') return;
        const { deltas, want } = this.compare(m.digest);
        this.send({ type: 'Ack', from: this.id, to: m.from, deltas, want });
        return;
      }
      case 'Ack': {
        if (this.variant === 'push-only') return;
        for (const d of m.deltas) this.apply(d);
        const deltas: Delta[] = [];
        for (const [node, gen, maxVer] of m.want) {
          const d = this.deltaSince(node, gen, maxVer);
          if (d !== null) deltas.push(d);
        }
        if (deltas.length > 0) this.send({ type: 'Ack2', from: this.id, to: m.from, deltas });
        return;
      }
      case 'Ack2':
        if (this.variant === 'push-only') return;
        for (const d of m.deltas) this.apply(d);
        return;
      case 'Push': {
        // Rumour mongering: what is new here is passed on once; what is old is dropped.
        const fresh: Delta[] = [];
        for (const d of m.deltas) {
          const news = this.apply(d);
          if (news !== null) fresh.push(news);
        }
        for (const d of fresh) this.pushOwn(d, m.from);
        return;
      }
    }
  }

  /** Advances time: a gossip round every `gossipTicks`, the failure detector and the coordinator. */
  tick(): void {
    const now = this.nowMs();
    const wall = this.wallUs();
    if (this.lastTickMs !== null && now - this.lastTickMs > this.p.tickGapMs) {
      // The process did not run for a while (paused, starved): whatever it saw is old. A claim
      // ends at the last tick it was acted on, and eligibility starts over.
      this.endClaim(this.lastTickUs);
      this.eligibleSinceMs = null;
    }
    this.ticks++;
    if (this.ticks % this.p.gossipTicks === 0) this.round();
    this.coordinate(now, wall);
    this.lastTickMs = now;
    this.lastTickUs = wall;
  }

  // ------------------------------------------------------------------ gossip

  private round(): void {
    this.rounds++;
    this.beat();
    if (this.variant === 'push-only') return;
    const digest = this.digest();
    for (const peer of this.pickPeers(null)) this.send({ type: 'Syn', from: this.id, to: peer, digest });
  }

  private pickPeers(except: string | null): string[] {
    const pool = this.members.filter((m) => m !== this.id && m !== except);
    const out: string[] = [];
    while (out.length < this.p.fanout && pool.length > 0) out.push(pool.splice(this.rng.int(0, pool.length - 1), 1)[0]!);
    return out;
  }

  private send(m: PeerMessage): void {
    this.sent[m.type] = (this.sent[m.type] ?? 0) + 1;
    this.rd.early.push(m);
  }

  private pushOwn(d: Delta, except: string | null): void {
    for (const peer of this.pickPeers(except)) this.send({ type: 'Push', from: this.id, to: peer, deltas: [d] });
  }

  digest(): DigestLine[] {
    return [...this.sections].map(([node, s]): DigestLine => [node, s.gen, s.maxVer]);
  }

  /** What this node holds newer than `digest` (deltas), and what it wants (the digest lines it is behind on). */
  private compare(digest: readonly DigestLine[]): { deltas: Delta[]; want: DigestLine[] } {
    const theirs = new Map(digest.map(([n, g, v]) => [n, [g, v] as const]));
    const deltas: Delta[] = [];
    const want: DigestLine[] = [];
    for (const [node, s] of this.sections) {
      const t = theirs.get(node);
      const d = this.deltaSince(node, t?.[0] ?? 0, t?.[1] ?? 0);
      if (d !== null) deltas.push(d);
      else if (t !== undefined && node !== this.id && (t[0] > s.gen || (t[0] === s.gen && t[1] > s.maxVer))) want.push([node, s.gen, s.maxVer]);
    }
    for (const [node, [g, v]] of theirs) {
      if (!this.sections.has(node) && node !== this.id && this.members.includes(node) && (g > 0 || v > 0)) want.push([node, 0, 0]);
    }
    return { deltas, want };
  }

  /** The entries of `node`'s section newer than (gen, maxVer), or null when there are none. */
  private deltaSince(node: string, gen: number, maxVer: number): Delta | null {
    const s = this.sections.get(node);
    if (s === undefined || s.gen < gen) return null;
    if (s.gen > gen) return this.fullDelta(node);
    if (s.maxVer <= maxVer) return null;
    const entries: Delta['entries'] = [];
    for (const [k, e] of s.entries) if (e.ver > maxVer) entries.push([k, e.v, e.ver]);
    return { node, gen, full: false, entries };
  }

  private fullDelta(node: string): Delta {
    const s = this.sections.get(node)!;
    return { node, gen: s.gen, full: true, entries: [...s.entries].map(([k, e]) => [k, e.v, e.ver]) };
  }

  /**
   * Takes what is newer in a delta about another member: a higher generation starts its section
   * again, the same generation adds entries of higher versions, a lower one is ignored. Returns
   * the part that was new here (null when nothing was), and marks the member as heard of.
   */
  private apply(d: Delta): Delta | null {
    if (d.node === this.id || !this.members.includes(d.node)) return null;
    let s = this.sections.get(d.node);
    if (s !== undefined && d.gen < s.gen) return null;
    const newGen = s === undefined || d.gen > s.gen;
    if (newGen) {
      s = { gen: d.gen, maxVer: 0, entries: new Map() };
      this.sections.set(d.node, s);
    }
    const fresh: Delta['entries'] = [];
    for (const [k, v, ver] of d.entries) {
      const e = s!.entries.get(k);
      if (e !== undefined && e.ver >= ver) continue;
      s!.entries.set(k, { v, ver });
      if (ver > s!.maxVer) s!.maxVer = ver;
      fresh.push([k, v, ver]);
    }
    if (!newGen && fresh.length === 0) return null;
    if (newGen || fresh.some(([k]) => k === HEARTBEAT_KEY)) this.lastHeardMs.set(d.node, this.nowMs());
    return { node: d.node, gen: d.gen, full: newGen && d.full, entries: fresh };
  }

  // ------------------------------------------------------------------ failure detection

  /** `live`, `suspect` or `down`, as this node sees `m` now. */
  status(m: string, now: number = this.nowMs()): 'live' | 'suspect' | 'down' {
    if (m === this.id) return 'live';
    const heard = this.lastHeardMs.get(m);
    const age = now - (heard ?? this.bootMs);
    if (age > this.p.downMs) return 'down';
    if (heard === undefined || age > this.p.suspectMs) return 'suspect';
    return 'live';
  }

  // ------------------------------------------------------------------ emergent leader

  private coordinate(now: number, wall: number): void {
    const candidate = this.members.find((m) => this.status(m, now) !== 'down');
    const seen = this.members.filter((m) => this.status(m, now) === 'live');
    const majority = seen.length * 2 > this.members.length;
    const eligible = candidate === this.id && (majority || this.variant === 'no-quorum-check');
    if (!eligible) {
      this.endClaim(wall);
      this.eligibleSinceMs = null;
      return;
    }
    this.eligibleSinceMs ??= now;
    if (now - this.eligibleSinceMs < this.p.claimDelayMs) return;
    this.act(wall, seen);
  }

  /** The newest shard assignment this node knows of (any coordinator's), or null. */
  private knownAssignment(): { epoch: number; owners: string[] } | null {
    let best: { epoch: number; owners: string[] } | null = null;
    for (const s of this.sections.values()) {
      const a = s.entries.get(SHARDS_KEY)?.v as { epoch?: unknown; owners?: unknown } | undefined;
      if (a === undefined || typeof a.epoch !== 'number' || !Array.isArray(a.owners) || a.owners.length !== SHARDS) continue;
      if (best === null || a.epoch > best.epoch) best = { epoch: a.epoch, owners: a.owners as string[] };
    }
    return best;
  }

  private act(wall: number, seen: string[]): void {
    const known = this.knownAssignment();
    const base = known?.owners ?? initialOwners(this.members);
    const owners = reassign(base, seen);
    const mine = this.sections.get(this.id)!.entries.get(SHARDS_KEY)?.v as { epoch: number; owners: string[] } | undefined;
    let epoch = known?.epoch ?? 0;
    const changed = known === null || owners.some((o, i) => o !== base[i]) || mine === undefined || mine.epoch !== epoch;
    if (changed) {
      epoch++;
      const v = { epoch, owners };
      this.setOwn(SHARDS_KEY, v);
      if (this.variant === 'push-only') this.pushOwn({ node: this.id, gen: this.gen, full: false, entries: [[SHARDS_KEY, v, this.ver]] }, null);
    }
    const c = this.claim;
    if (c === null || c.epoch !== epoch || c.seen.join() !== seen.join()) {
      this.endClaim(wall);
      this.claim = { node: this.id, gen: this.gen, fromUs: wall, toUs: wall, known: [...this.members], seen, epoch, owners };
      this.persistClaim(wall);
      return;
    }
    c.toUs = wall;
    if (wall - this.claimPersistedUs >= this.p.renewMs * 1000) this.persistClaim(wall);
  }

  private persistClaim(wall: number): void {
    const c = this.claim!;
    this.rd.persist.push({ t: 'claim', c: { ...c } });
    this.claimPersistedUs = wall;
    const i = this.claims.findIndex((x) => x.fromUs === c.fromUs && x.node === c.node);
    if (i >= 0) this.claims[i] = { ...c };
    else this.claims.push({ ...c });
  }

  /** Ends the claim in force: its end stays the last moment it was acted on. */
  private endClaim(atUs: number): void {
    if (this.claim === null) return;
    this.persistClaim(atUs);
    this.claim = null;
  }

  /** Whether this node acts as coordinator now. */
  get coordinating(): boolean {
    return this.claim !== null;
  }

  get epoch(): number {
    return this.claim?.epoch ?? 0;
  }

  allClaims(): Claim[] {
    return this.claims.map((c) => ({ ...c }));
  }

  // ------------------------------------------------------------------ views

  /**
   * The whole versioned state as a reply carries it: each member's generation, highest version,
   * client entries (`data`, by the key's JSON text) and the protocol's own (`sys`), each as
   * [value, version]; the failure detector's view; the messages sent and rounds gossiped.
   */
  stateView(): Record<string, unknown> {
    const sections: Record<string, { gen: number; maxVer: number; data: Record<string, [unknown, number]>; sys: Record<string, [unknown, number]> }> = {};
    for (const [node, s] of this.sections) {
      const data: Record<string, [unknown, number]> = {};
      const sys: Record<string, [unknown, number]> = {};
      for (const [k, e] of s.entries) {
        if (k.startsWith(CLIENT_KEY_PREFIX)) data[k.slice(CLIENT_KEY_PREFIX.length)] = [e.v, e.ver];
        else sys[k] = [e.v, e.ver];
      }
      sections[node] = { gen: s.gen, maxVer: s.maxVer, data, sys };
    }
    const view: Record<string, string> = {};
    for (const m of this.members) view[m] = this.status(m);
    return { node: this.id, gen: this.gen, sections, view, sent: { ...this.sent }, rounds: this.rounds, coordinating: this.coordinating, wallUs: this.wallUs() };
  }

  /** The admin status: `role: "leader"` while coordinating. */
  statusView(): Record<string, unknown> {
    const view: Record<string, string> = {};
    for (const m of this.members) view[m] = this.status(m);
    return { role: this.coordinating ? 'leader' : 'member', term: this.epoch, gen: this.gen, view, rounds: this.rounds, sent: { ...this.sent } };
  }

  section(node: string): Section | undefined {
    return this.sections.get(node);
  }

  // ------------------------------------------------------------------ ready / advance

  hasReady(): boolean {
    const r = this.rd;
    return r.early.length > 0 || r.messages.length > 0 || r.persist.length > 0 || r.replies.length > 0;
  }

  ready(): Ready {
    return this.rd;
  }

  advance(rd: Ready): void {
    assert(rd === this.rd, 'advance of a Ready that is not the current one');
    this.rd = { early: [], messages: [], persist: [], replies: [] };
  }
}
