/**
 * dynamokv's commands for the scenario scripts of systems/dynamokv/testdata (the format and the
 * run loop are systems/lib/sim/script.ts). A script drives a cluster by hand: nothing ticks, and
 * messages wait in the network until `stabilize` or `deliver` hands them over (in order per
 * link); every delivery, every message lost to a partition and every client reply is printed.
 *
 *   add-nodes 3 [variant=V] [n=3 r=2 w=2]   a cluster n1..n3 of one variant
 *   write n1 x 1 | read n2 x                a register write or read coordinated by a node
 *   add n1 s 5 | read-set n2 s              a set add or read
 *   skew n1 -5000                           n1's wall clock runs 5 s behind
 *   partition n1 | n2 n3 | heal             (nodes not named are alone)
 *   deliver n1 n3                           deliver what is in flight from n1 to n3 (only)
 *   drop n1 n3 [Put]                        lose what is in flight from n1 to n3 (of one type)
 *   stabilize                               deliver messages until none is left
 *   copies x | copies-set s                 what each replica holds
 *
 * A client request's id is the number in its `#` prefix, printed with its reply.
 */
import { arg, type Directive, intArg, ScriptError } from '../lib/sim/script.js';
import { DEFAULT_PARAMS, DYNAMOKV_VARIANTS, type DynamoParams, DynamoNode, type PeerMessage, type Variant } from './core/dynamo.js';
import { elementsOf, type Stored } from './core/versions.js';

function formatCopy(s: Stored | null): string {
  if (s === null) return '-';
  if (s.kind === 'reg') return `${JSON.stringify(s.v)}@${s.ver.t}.${s.ver.n}`;
  if (s.kind === 'lww') return `${JSON.stringify(s.els)}@${s.ver.t}.${s.ver.n}`;
  return s.sibs.map((x) => `${JSON.stringify(x.els)}@${x.dot.join(':')}`).join(' | ');
}

/** One line per message, with what a reader needs to follow the protocol. */
export function formatMessage(m: PeerMessage): string {
  const head = `${m.from}->${m.to} ${m.type} ${m.key}`;
  switch (m.type) {
    case 'Get':
    case 'PutAck':
      return head;
    case 'GetReply':
    case 'Put':
      return `${head} ${formatCopy(m.val)}`;
  }
}

/** A scripted cluster: the cores, their durable copies, the messages in flight. */
class ScriptCluster {
  readonly nodes = new Map<string, DynamoNode>();
  readonly skew = new Map<string, number>();
  private inflight: PeerMessage[] = [];
  private groups: string[][] | null = null;
  private out: string[] = [];
  private nextReq = 1;

  constructor(ids: string[], variant: Variant, params: DynamoParams) {
    for (const id of ids) this.nodes.set(id, new DynamoNode({ id, nodes: ids, variant, params, restore: new Map(), boots: 0 }));
    for (const id of ids) this.drain(id);
    this.out = [];
  }

  node(d: Directive, id: string): DynamoNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new ScriptError(d, `no node ${id}`);
    return n;
  }

  take(): string {
    const text = this.out.join('\n');
    this.out = [];
    return text;
  }

  connected(a: string, b: string): boolean {
    return a === b || this.groups === null || this.groups.some((g) => g.includes(a) && g.includes(b));
  }

  partition(groups: string[][] | null): void {
    this.groups = groups;
  }

  /** A client request at `id`, stamped with its wall clock (0 plus its skew). */
  request(d: Directive, id: string, req: Parameters<DynamoNode['request']>[1], what: string): void {
    const reqId = this.nextReq++;
    this.out.push(`#${reqId} ${id} ${what}`);
    this.node(d, id).request(reqId, req, 1_000_000 + (this.skew.get(id) ?? 0));
    this.drain(id);
  }

  /** Runs a node's ready loop: everything it sends goes in flight, its replies are printed. */
  drain(id: string): void {
    const n = this.nodes.get(id)!;
    while (n.hasReady()) {
      const rd = n.ready();
      for (const m of [...rd.early, ...rd.messages]) this.inflight.push(m);
      for (const r of rd.replies) this.out.push(`#${r.reqId} ${id} replied ${Object.entries(r.body).map(([k, v]) => (k === 'type' ? String(v) : `${k}=${JSON.stringify(v)}`)).join(' ')}`);
      n.advance(rd);
    }
  }

  /** Loses the messages in flight that `pick` chooses, and prints them. */
  drop(pick: (m: PeerMessage) => boolean): void {
    for (const m of this.inflight.filter(pick)) this.out.push(`${formatMessage(m)} (lost)`);
    this.inflight = this.inflight.filter((m) => !pick(m));
  }

  /** Delivers the messages in flight that `pick` chooses (and those they cause, when `all`). */
  deliver(pick: (m: PeerMessage) => boolean, all: boolean): void {
    for (let round = 0; round < 10_000; round++) {
      const now = this.inflight.filter(pick);
      if (now.length === 0) return;
      this.inflight = this.inflight.filter((m) => !pick(m));
      for (const m of now) {
        if (!this.connected(m.from, m.to)) {
          this.out.push(`${formatMessage(m)} (lost: partitioned)`);
          continue;
        }
        this.out.push(formatMessage(m));
        this.nodes.get(m.to)!.step(m);
        this.drain(m.to);
      }
      if (!all) return;
    }
    throw new Error('the messages do not settle');
  }
}

/** Parses `name=value` into a DynamoParams field or the variant. */
function parseSetting(d: Directive, text: string, into: { variant: Variant; params: DynamoParams }): void {
  const [name, value] = text.split('=');
  if (name === 'variant') {
    if (!DYNAMOKV_VARIANTS.includes(value as Variant)) throw new ScriptError(d, `add-nodes: unknown variant ${JSON.stringify(value)}`);
    into.variant = value as Variant;
    return;
  }
  if (name === 'n' || name === 'r' || name === 'w') {
    const v = Number(value);
    if (!Number.isInteger(v) || v < 1) throw new ScriptError(d, `add-nodes: ${name} must be a positive integer`);
    into.params = { ...into.params, [name]: v };
    return;
  }
  throw new ScriptError(d, `add-nodes: unknown setting ${JSON.stringify(text)} (variant, n, r or w)`);
}

/** The command table: a fresh cluster per script. */
export function dynamokvScript(): (d: Directive) => string {
  let c: ScriptCluster | null = null;
  const cluster = (d: Directive): ScriptCluster => {
    if (c === null) throw new ScriptError(d, 'no cluster yet: start with add-nodes');
    return c;
  };
  const key = (d: Directive, i: number) => JSON.stringify(arg(d, i, 'key'));
  return (d) => {
    switch (d.command) {
      case 'add-nodes': {
        const n = intArg(d, 0, 'node count', 1);
        const s = { variant: 'correct' as Variant, params: { ...DEFAULT_PARAMS } };
        for (const t of d.args.slice(1)) parseSetting(d, t, s);
        const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
        c = new ScriptCluster(ids, s.variant, s.params);
        const p = c.nodes.get('n1')!.params;
        return `${n} nodes, variant ${s.variant}: n=${p.n} r=${p.r} w=${p.w} conflict=${p.conflict} setConflict=${p.setConflict} readRepair=${p.readRepair}`;
      }
      case 'write': {
        const k = cluster(d);
        const value = Number(arg(d, 2, 'value'));
        k.request(d, arg(d, 0, 'node'), { type: 'write', key: key(d, 1), value }, `write ${arg(d, 1, 'key')}=${value}`);
        return k.take();
      }
      case 'read': {
        const k = cluster(d);
        k.request(d, arg(d, 0, 'node'), { type: 'read', key: key(d, 1) }, `read ${arg(d, 1, 'key')}`);
        return k.take();
      }
      case 'add': {
        const k = cluster(d);
        const element = Number(arg(d, 2, 'element'));
        k.request(d, arg(d, 0, 'node'), { type: 'set_add', key: key(d, 1), element }, `add ${element} to ${arg(d, 1, 'key')}`);
        return k.take();
      }
      case 'read-set': {
        const k = cluster(d);
        k.request(d, arg(d, 0, 'node'), { type: 'set_read', key: key(d, 1) }, `read set ${arg(d, 1, 'key')}`);
        return k.take();
      }
      case 'skew': {
        const k = cluster(d);
        const id = arg(d, 0, 'node');
        k.node(d, id);
        k.skew.set(id, intArg(d, 1, 'offset in ms', -1_000_000));
        return `${id} wall clock ${k.skew.get(id)! >= 0 ? '+' : ''}${k.skew.get(id)} ms`;
      }
      case 'partition': {
        const k = cluster(d);
        const groups = d.args.join(' ').split('|').map((g) => g.trim().split(/\s+/).filter((x) => x !== ''));
        for (const g of groups) for (const id of g) k.node(d, id);
        k.partition(groups);
        return `partitioned: ${groups.map((g) => g.join(' ')).join(' | ')}`;
      }
      case 'heal': {
        cluster(d).partition(null);
        return 'healed';
      }
      case 'deliver': {
        const k = cluster(d);
        const from = arg(d, 0, 'from');
        const to = arg(d, 1, 'to');
        k.deliver((m) => m.from === from && m.to === to, false);
        return k.take() || 'nothing in flight';
      }
      case 'drop': {
        const k = cluster(d);
        const from = arg(d, 0, 'from');
        const to = arg(d, 1, 'to');
        const type = d.args[2];
        k.drop((m) => m.from === from && m.to === to && (type === undefined || m.type === type));
        return k.take() || 'nothing in flight';
      }
      case 'stabilize': {
        const k = cluster(d);
        k.deliver(() => true, true);
        return k.take() || 'nothing in flight';
      }
      case 'copies':
      case 'copies-set': {
        const k = cluster(d);
        const ikey = `${d.command === 'copies' ? 'r' : 's'}:${key(d, 0)}`;
        return [...k.nodes].map(([id, n]) => {
          const s = n.copy(ikey);
          return `${id} ${formatCopy(s)}${d.command === 'copies-set' && s !== null ? ` -> ${JSON.stringify(elementsOf(s))}` : ''}`;
        }).join('\n');
      }
      default:
        throw new ScriptError(d, `unknown command ${JSON.stringify(d.command)}`);
    }
  };
}
