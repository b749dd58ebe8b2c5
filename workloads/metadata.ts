/**
 * Workload `metadata`: cluster metadata kept by gossip (systems/gossipd). Clients write keys at
 * random nodes (each value unique in the run) and read them at random nodes; a node answers a
 * read with the value each member holds for the key (`{n1: 4, n3: 9}`: a write belongs to the
 * node that took it). After the heal the final phase reads the whole state of every node, round
 * after round every `pollMs`, until all report the same state or `convergeWithinMs` has passed,
 * then the coordinator claims of every node.
 *
 * Judged by the eventual-consistency checkers (checkers/gossip), never by linearizability:
 * convergence within the bound (with the time and messages it took), no lost update, at most
 * one coordinator at a time over intersecting majorities with no conflicting shard owners, and
 * visibility: a read made with no fault on holds every write acknowledged `visibleWithinMs` before.
 *
 *   faultline run --system gossipd --time-limit 30 --seed 1
 */
import { z } from 'zod';
import { checkConvergence, checkCoordinators, checkLostUpdates, checkVisibility, comparable, type GossipCheckResult, type StateView } from '../checkers/gossip/index.js';
import { isHarnessEvent, type HistoryEvent } from '../checkers/history/types.js';
import type { GenContext, GenEvent, GenResult, Generator, PureRng } from './generator.js';
import { countObserved } from './observed.js';
import type { Anomaly, CheckOptions, CheckOutcome, Completion, FinalPhaseContext, Workload, WorkloadClient, WorkloadOptionsSpec } from './types.js';

/** The metadata workload's options. */
export type MetadataOptions = {
  /** How many keys the clients write and read. */
  keys: number;
  /** How long after the heal every node must report the same state. */
  convergeWithinMs: number;
  /** How long after its acknowledgement a write must be visible at every node while no fault is on. */
  visibleWithinMs: number;
  /** The time between two rounds of final state reads. */
  pollMs: number;
};

export const metadataOptions: WorkloadOptionsSpec<MetadataOptions> = {
  schema: z
    .object({
      keys: z.number().int().min(1).max(1000).optional(),
      convergeWithinMs: z.number().int().min(100).max(50_000).optional(),
      visibleWithinMs: z.number().int().min(100).max(50_000).optional(),
      pollMs: z.number().int().min(10).max(10_000).optional(),
    })
    .strict(),
  defaults: { keys: 8, convergeWithinMs: 10_000, visibleWithinMs: 2000, pollMs: 250 },
};

function optionsOf(given: Record<string, unknown> | undefined): MetadataOptions {
  return { ...metadataOptions.defaults, ...(given as Partial<MetadataOptions> | undefined) };
}

type Op = { f: string; value: unknown };

/** How metadata ops map to messages (docs/protocol.md, section 3) and back. */
export const metadataClient: WorkloadClient = {
  request(op: Op): Record<string, unknown> {
    switch (op.f) {
      case 'read':
        return { type: 'read', key: (op.value as [unknown, unknown])[0] };
      case 'write': {
        const [key, value] = op.value as [unknown, unknown];
        return { type: 'write', key, value };
      }
      case 'state':
        return { type: 'state' };
      case 'claims':
        return { type: 'claims' };
      default:
        throw new RangeError(`metadata has no op "${op.f}"`);
    }
  },
  complete(op: Op, reply: Record<string, unknown>): Completion {
    const expected = `${op.f}_ok`;
    if (reply.type !== expected) throw new Error(`expected ${expected}, got ${String(reply.type)}`);
    switch (op.f) {
      case 'read':
        return { type: 'ok', value: [(op.value as [unknown, unknown])[0], reply.value ?? null] };
      case 'state':
        return { type: 'ok', value: { ...(op.value as object), state: reply.state } };
      case 'claims':
        return { type: 'ok', value: { ...(op.value as object), claims: reply.claims } };
      default:
        return { type: 'ok', value: op.value };
    }
  },
  readOnly(op: Op): boolean {
    return op.f !== 'write';
  },
};

// ---------------------------------------------------------------------------- generators

/** Writes (unique values) and reads on `keys` keys, on a random free worker (so a random node). */
class MainGen implements Generator {
  constructor(
    private readonly rng: PureRng,
    private readonly keys: number,
    private readonly nextValue: number,
  ) {}

  op(ctx: GenContext): GenResult {
    if (ctx.free.length === 0) return 'pending';
    const [pick, r1] = this.rng.int(0, ctx.free.length - 1);
    const [key, r2] = r1.int(0, this.keys - 1);
    const [kind, r3] = r2.int(0, 1);
    const worker = ctx.free[pick]!.worker;
    if (kind === 0) return { op: { worker, f: 'read', value: [key, null] }, next: new MainGen(r3, this.keys, this.nextValue) };
    return { op: { worker, f: 'write', value: [key, this.nextValue] }, next: new MainGen(r3, this.keys, this.nextValue + 1) };
  }

  update(): Generator {
    return this;
  }
}

interface PollState {
  nodes: readonly string[];
  round: number;
  /** Nodes of this round not yet asked. */
  toAsk: readonly string[];
  /** Answers of this round: node to comparable state, or null for a failed read. */
  answers: ReadonlyMap<string, string | null>;
  startNs: number | null;
  dueNs: number;
  /** Claims reads not yet asked; null while polling. */
  claims: readonly string[] | null;
  claimsOpen: number;
}

/**
 * The final phase: a round of `state` reads, one per node, every `pollMs` until a round in which
 * every node answered with the same state, or until `convergeWithinMs` after the first; then one
 * `claims` read per node.
 */
class FinalGen implements Generator {
  constructor(
    private readonly o: MetadataOptions,
    private readonly s: PollState,
  ) {}

  private with(p: Partial<PollState>): FinalGen {
    return new FinalGen(this.o, { ...this.s, ...p });
  }

  op(ctx: GenContext): GenResult {
    const s = this.s;
    if (s.claims !== null) {
      if (s.claims.length === 0) return s.claimsOpen === 0 ? null : 'pending';
      const w = ctx.free[0];
      if (w === undefined) return 'pending';
      const node = s.claims[0]!;
      return { op: { worker: w.worker, f: 'claims', value: { node }, node }, next: this.with({ claims: s.claims.slice(1), claimsOpen: s.claimsOpen + 1 }) };
    }
    if (s.toAsk.length > 0) {
      const w = ctx.free[0];
      if (w === undefined) return 'pending';
      const node = s.toAsk[0]!;
      return { op: { worker: w.worker, f: 'state', value: { round: s.round, node }, node, timeNs: s.dueNs }, next: this.with({ toAsk: s.toAsk.slice(1), startNs: s.startNs ?? Math.max(ctx.timeNs, s.dueNs) }) };
    }
    return 'pending';
  }

  update(ctx: GenContext, e: GenEvent): Generator {
    const s = this.s;
    if (e.type === 'invoke') return this;
    if (e.f === 'claims') return this.with({ claimsOpen: s.claimsOpen - 1 });
    if (e.f !== 'state') return this;
    const v = e.value as { round?: number; node?: string; state?: StateView } | null;
    if (v?.round !== s.round || typeof v.node !== 'string') return this;
    const answers = new Map(s.answers);
    answers.set(v.node, e.type === 'ok' && v.state ? comparable(v.state) : null);
    if (answers.size < s.nodes.length) return this.with({ answers });
    const views = new Set(answers.values());
    const converged = views.size === 1 && !views.has(null);
    const out = s.startNs !== null && ctx.timeNs - s.startNs >= this.o.convergeWithinMs * 1e6;
    if (converged || out) return this.with({ answers, claims: s.nodes, claimsOpen: 0 });
    return this.with({ round: s.round + 1, toAsk: s.nodes, answers: new Map(), dueNs: ctx.timeNs + this.o.pollMs * 1e6 });
  }
}

// ---------------------------------------------------------------------------- checkers

/** The anomaly a checker's verdict carries, as the run reports it. */
function anomalyOf(r: GossipCheckResult, name: string): Anomaly | null {
  if (r.valid !== false || r.anomaly === undefined) return null;
  return { index: r.anomaly.index, timeNs: r.anomaly.timeNs, summary: `${name}: ${r.anomaly.summary}` };
}

/** The nodes the final phase asked, from the first round's invocations. */
function finalNodes(history: readonly HistoryEvent[]): string[] {
  const nodes = new Set<string>();
  for (const e of history) {
    const v = e.value as { round?: unknown; node?: unknown } | null;
    if (e.type === 'invoke' && e.f === 'state' && v?.round === 0 && typeof v.node === 'string') nodes.add(v.node);
  }
  return [...nodes];
}

/** The metadata workload. */
export const metadata: Workload = {
  name: 'metadata',
  description: 'writes and reads of cluster metadata at random nodes, then every node read after the heal; checked for convergence, lost updates and one coordinator at a time',
  judges: 'eventual',
  options: metadataOptions,
  generator(opts) {
    return new MainGen(opts.rng, optionsOf(opts.workloadOptions).keys, 1);
  },
  client: metadataClient,
  finalGenerator(_history: readonly HistoryEvent[], cluster?: FinalPhaseContext): Generator {
    const nodes = cluster?.nodes ?? [];
    return new FinalGen(optionsOf(cluster?.workloadOptions), { nodes, round: 0, toAsk: nodes, answers: new Map(), startNs: null, dueNs: 0, claims: nodes.length === 0 ? [] : null, claimsOpen: 0 });
  },
  observedWrites(history: readonly HistoryEvent[]): number {
    return countObserved(
      history,
      (e, written) => {
        if (e.f === 'write' && Array.isArray(e.value)) written.add(e.value[0], e.value[1]);
      },
      (e, written) => {
        if (e.f !== 'read' || !Array.isArray(e.value)) return false;
        const [key, held] = e.value as [unknown, unknown];
        return typeof held === 'object' && held !== null && Object.values(held).some((v) => written.has(key, v));
      },
    );
  },
  async checker(history: readonly HistoryEvent[], opts: CheckOptions): Promise<CheckOutcome> {
    const o = optionsOf(opts.workloadOptions);
    const client = history.filter((e) => !isHarnessEvent(e) || e.process === 'nemesis');
    const results: Record<string, GossipCheckResult> = {
      convergence: checkConvergence(client, finalNodes(client), { convergeWithinMs: o.convergeWithinMs }),
      'lost-update': checkLostUpdates(client),
      coordinator: checkCoordinators(client),
      visibility: checkVisibility(client, { visibleWithinMs: o.visibleWithinMs }),
    };
    const anomalies = Object.entries(results)
      .map(([name, r]) => anomalyOf(r, name))
      .filter((a): a is Anomaly => a !== null)
      .sort((a, b) => (a.timeNs ?? Infinity) - (b.timeNs ?? Infinity));
    return { checkers: results, firstAnomaly: anomalies[0] ?? null };
  },
};
