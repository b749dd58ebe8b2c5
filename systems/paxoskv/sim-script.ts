/**
 * paxoskv's commands for the scenario scripts of systems/paxoskv/testdata (the format and the run
 * loop are systems/lib/sim/script.ts, as raftkv's are). A script drives a cluster by hand on the
 * shared simulator, in either mode: nothing ticks unless told, messages wait in the network until
 * `deliver-msgs` or `stabilize` delivers them (1 ms each, FIFO per link), and every delivery, client
 * reply, role change and broken invariant is printed.
 *
 *   add-nodes 3 [mode=cas|multi] [variant=V]   a cluster n1..n3 (CASPaxos unless mode=multi)
 *   put n1 x 1 | cas n1 x 1 2 | read n1 x      a client request at n1
 *   tick n2 5 | tick all 5                     5 ticks of n2 (or of every node), 10 ms each
 *   campaign n1                                (multi) n1 starts an election now
 *   deliver-msgs                               deliver the messages in flight (not the ones they cause)
 *   stabilize                                  deliver messages until none is left
 *   partition n1 n2 | n3 | heal                (nodes not named are alone)
 *   crash n2 | restart n2                      a crash loses the process; the disk keeps what was synced
 *   acceptor n1 x                              (cas) n1's acceptor state for key x
 *   acceptor n1                                (multi) n1's promise and accepted slots
 *   duplicate n3 n1 Forward                    (multi) n3 sends the last Forward n1 got from it
 *                                              again (the network's duplicate fault)
 *   status                                     every node (multi: role, ballot, applied slot)
 *
 * The simulator's invariant checks (one value per ballot, promises never go back, and in Multi-Paxos
 * agreement on every applied slot) run throughout; a broken one prints `VIOLATION ...` under the
 * command that broke it, so a scenario of a broken variant states exactly where it goes wrong.
 */
import { arg, type Directive, intArg, type ScriptCommand, type ScriptedCluster, ScriptError, scriptRunner, ScriptState, sharedCommands } from '../lib/sim/script.js';
import type { AcceptedEntry, MultiMessage, SlotValue } from './core/multipaxos.js';
import { type AcceptorSlot, ballotText, type ClientRequest, type PeerMessage, PAXOSKV_VARIANTS, type ReplyBody, type Variant } from './core/paxos.js';
import { buildMultiSim, type MultiSimulator } from './multisim.js';
import { buildSim, type PaxosSimulator, toLogOp } from './sim.js';

/** A tick of a scripted node, in virtual ms. */
const TICK_MS = 10;
/** Links deliver in 1 ms, in order: `deliver-msgs` then delivers exactly what is in flight. */
const SCRIPT_NETWORK = { delayMaxMs: 1 };

function text(v: unknown): string {
  return JSON.stringify(v ?? null);
}

function accepted(a: AcceptorSlot['accepted']): string {
  return a === null ? '-' : `${ballotText(a.b)}:${text(a.v)}`;
}

function formatOp(v: SlotValue): string {
  if (v === null) return 'noop';
  switch (v.f) {
    case 'read':
      return `read ${v.key}`;
    case 'write':
      return `put ${v.key}=${text(v.value)}`;
    case 'cas':
      return `cas ${v.key} ${text(v.from)}->${text(v.to)}`;
    case 'txn':
      return `txn ${text(v.ops)}`;
  }
}

function formatEntries(es: AcceptedEntry[]): string {
  return `[${es.map(([slot, b, v]) => `${slot}@${ballotText(b)} ${formatOp(v)}`).join(', ')}]`;
}

/** One line per CASPaxos message. */
export function formatCasMessage(m: PeerMessage): string {
  const head = `${m.from}->${m.to} ${m.type} ${m.key} b=${ballotText(m.b)}`;
  switch (m.type) {
    case 'Prepare':
      return head;
    case 'Promise':
      return m.ok ? `${head} ok accepted=${accepted(m.accepted)}` : `${head} rejected promised=${ballotText(m.promised)}`;
    case 'Accept':
      return `${head} v=${text(m.v)}`;
    case 'Accepted':
      return m.ok ? `${head} ok` : `${head} rejected promised=${ballotText(m.promised)}`;
  }
}

/** One line per Multi-Paxos message. */
export function formatMultiMessage(m: MultiMessage): string {
  const head = `${m.from}->${m.to} ${m.type}`;
  switch (m.type) {
    case 'MPrepare':
      return `${head} b=${ballotText(m.b)} from=${m.fromSlot}`;
    case 'MPromise':
      return m.ok
        ? `${head} b=${ballotText(m.b)} ok entries=${formatEntries(m.entries)}${m.snap !== null ? ` snap=${m.snap.upTo}` : ''}`
        : `${head} b=${ballotText(m.b)} rejected promised=${ballotText(m.promised)}`;
    case 'MAccept':
      return `${head} b=${ballotText(m.b)} slot=${m.slot} ${formatOp(m.v)} commit=${m.commit}`;
    case 'MAccepted':
      return m.ok ? `${head} b=${ballotText(m.b)} slot=${m.slot} ok` : `${head} b=${ballotText(m.b)} slot=${m.slot} rejected promised=${ballotText(m.promised)}`;
    case 'Heartbeat':
      return `${head} b=${ballotText(m.b)} commit=${m.commit}`;
    case 'HeartbeatAck':
      return m.ok ? `${head} b=${ballotText(m.b)} ok applied=${m.applied}` : `${head} b=${ballotText(m.b)} rejected promised=${ballotText(m.promised)}`;
    case 'Learn':
      return `${head} b=${ballotText(m.b)} entries=[${m.entries.map(([s, v]) => `${s} ${formatOp(v)}`).join(', ')}]${m.snap !== null ? ` snap=${m.snap.upTo}` : ''}`;
    case 'Forward':
      return `${head} fid=${m.fid} ${formatOp(m.op)}`;
    case 'ForwardReply':
      return `${head} fid=${m.fid} ${formatReply(m.body)}`;
  }
}

function formatReply(body: ReplyBody): string {
  return Object.entries(body)
    .map(([k, v]) => (k === 'type' ? String(v) : `${k}=${JSON.stringify(v)}`))
    .join(' ');
}

/** A cluster driven by one script in one mode, and the lines the current command printed. */
class ScriptCluster implements ScriptedCluster {
  readonly sim: PaxosSimulator | MultiSimulator;
  private out: string[] = [];
  private readonly violations: string[] = [];
  private reported = 0;
  private readonly printedViolations = new Set<string>();
  private readonly requests = new Map<number, string>();
  private readonly roles = new Map<string, string>();
  private nextReqId = 1;
  /** Multi-Paxos: the last message delivered on each link of each type (`duplicate`). */
  readonly lastDelivered = new Map<string, MultiMessage>();

  constructor(
    readonly ids: readonly string[],
    readonly mode: 'cas' | 'multi',
    variant: Variant,
  ) {
    const onReply = (id: string, reqId: number, body: ReplyBody): void => this.print(`${id} reply ${this.requests.get(reqId) ?? `#${reqId}`}: ${formatReply(body)}`);
    this.sim =
      mode === 'multi'
        ? buildMultiSim(1, [...ids], variant, this.violations, {
            onReply,
            delivered: (m) => {
              this.lastDelivered.set(`${m.from} ${m.to} ${m.type}`, m);
              this.print(formatMultiMessage(m));
            },
            network: SCRIPT_NETWORK,
          })
        : buildSim(1, [...ids], variant, this.violations, { onReply, delivered: (m) => this.print(formatCasMessage(m)), network: SCRIPT_NETWORK });
    for (const id of ids) this.roles.set(id, this.roleOf(id));
  }

  get multi(): MultiSimulator {
    return this.sim as MultiSimulator;
  }

  get cas(): PaxosSimulator {
    return this.sim as PaxosSimulator;
  }

  readonly tickMs = TICK_MS;

  print(line: string): void {
    this.out.push(line);
  }

  /** The lines printed since the last call, then role changes and broken invariants. */
  take(): string {
    for (const id of this.ids) {
      const now = this.roleOf(id);
      if (now !== this.roles.get(id) && this.sim.core(id) !== null) this.print(`${id} became ${now}`);
      this.roles.set(id, now);
    }
    // Every node that accepts at the broken ballot reports it again: each distinct one is news once.
    for (; this.reported < this.violations.length; this.reported++) {
      const v = this.violations[this.reported]!;
      if (!this.printedViolations.has(v)) this.print(`VIOLATION ${v}`);
      this.printedViolations.add(v);
    }
    const s = this.out.join('\n');
    this.out = [];
    return s;
  }

  /** Multi-Paxos: role and ballot; CASPaxos has no roles. */
  private roleOf(id: string): string {
    if (this.mode !== 'multi') return '';
    const c = this.multi.core(id);
    if (c === null) return 'down';
    const s = c.status();
    return `${String(s.role)} at ballot ${String(s.ballot)}`;
  }

  check(d: Directive, id: string): void {
    if (!this.ids.includes(id)) throw new ScriptError(d, `${d.command}: no node ${JSON.stringify(id)} (nodes are ${this.ids.join(' ')})`);
    if (this.sim.core(id) === null) throw new ScriptError(d, `${d.command}: ${id} is down`);
  }

  request(d: Directive, id: string, req: ClientRequest, what: string): void {
    this.check(d, id);
    const reqId = this.nextReqId++;
    this.requests.set(reqId, `#${reqId} (${what})`);
    if (this.mode === 'multi') this.multi.input(id, (c) => c.request(reqId, toLogOp(req)));
    else this.cas.input(id, (c) => c.request(reqId, req));
  }

  status(id: string): string {
    if (this.sim.core(id) === null) return `${id} down`;
    if (this.mode === 'multi') {
      const s = this.multi.core(id)!.status();
      return `${id} ${String(s.role)} ballot=${String(s.ballot)} leader=${String(s.leader ?? '-')} applied=${String(s.applied)}`;
    }
    const c = this.cas.core(id)!;
    return `${id} keys=[${c.keys.join(' ')}]`;
  }

  acceptor(d: Directive, id: string, key: string | undefined): string {
    this.check(d, id);
    if (this.mode === 'multi') {
      const c = this.multi.core(id)!;
      const slots: string[] = [];
      for (let s = 1; s <= c.appliedIndex() + 20; s++) {
        const a = c.acceptedAt(s);
        if (a !== null) slots.push(`${s}@${ballotText(a.b)} ${formatOp(a.v)}`);
      }
      return `${id} promised=${ballotText(c.promise)} accepted=[${slots.join(', ')}]`;
    }
    if (key === undefined) throw new ScriptError(d, 'acceptor: missing the key (CASPaxos keeps an acceptor per key)');
    const s = this.cas.core(id)!.slot(key);
    return `${id} ${key} promised=${ballotText(s.promised)} accepted=${accepted(s.accepted)}`;
  }
}

type ScriptEnv = ScriptState<ScriptCluster>;

/** `add-nodes`'s params: `mode=cas|multi` and `variant=V`. */
function makeCluster(d: Directive, ids: string[], args: string[]): ScriptCluster {
  let mode: 'cas' | 'multi' = 'cas';
  let variant: Variant = 'correct';
  for (const p of args) {
    const [name, value] = p.split('=');
    if (name === 'mode' && (value === 'cas' || value === 'multi')) mode = value;
    else if (name === 'variant' && PAXOSKV_VARIANTS.includes(value as Variant)) variant = value as Variant;
    else throw new ScriptError(d, `add-nodes: bad parameter ${JSON.stringify(p)} (mode=cas|multi, variant=${PAXOSKV_VARIANTS.join('|')})`);
  }
  return new ScriptCluster(ids, mode, variant);
}

const COMMANDS: Record<string, ScriptCommand<ScriptEnv>> = {
  ...sharedCommands<ScriptEnv>((env) => env.cluster),
  'add-nodes': (env, d) => {
    const c = env.create(d, (ids, args) => makeCluster(d, ids, args));
    c.print(c.ids.map((id) => c.status(id)).join('\n'));
  },
  put: (env, d) => {
    const key = arg(d, 1, 'a key');
    const value = intArg(d, 2, 'the value');
    env.cluster.request(d, arg(d, 0, 'a node'), { type: 'write', key, value }, `put ${key} ${value}`);
  },
  cas: (env, d) => {
    const key = arg(d, 1, 'a key');
    const from = intArg(d, 2, 'the expected value');
    const to = intArg(d, 3, 'the new value');
    env.cluster.request(d, arg(d, 0, 'a node'), { type: 'cas', key, from, to }, `cas ${key} ${from} ${to}`);
  },
  read: (env, d) => {
    const key = arg(d, 1, 'a key');
    env.cluster.request(d, arg(d, 0, 'a node'), { type: 'read', key }, `read ${key}`);
  },
  campaign: (env, d) => {
    const c = env.cluster;
    if (c.mode !== 'multi') throw new ScriptError(d, 'campaign: CASPaxos has no leader (add-nodes ... mode=multi)');
    const id = arg(d, 0, 'a node');
    c.check(d, id);
    c.multi.input(id, (core) => core.campaign());
  },
  acceptor: (env, d) => {
    const c = env.cluster;
    c.print(c.acceptor(d, arg(d, 0, 'a node'), d.args[1]));
  },
  duplicate: (env, d) => {
    const c = env.cluster;
    if (c.mode !== 'multi') throw new ScriptError(d, 'duplicate: only in Multi-Paxos mode (add-nodes ... mode=multi)');
    const from = arg(d, 0, 'the sender');
    const to = arg(d, 1, 'the receiver');
    const type = arg(d, 2, 'a message type');
    const m = c.lastDelivered.get(`${from} ${to} ${type}`);
    if (m === undefined) throw new ScriptError(d, `duplicate: no ${type} from ${from} to ${to} was delivered yet`);
    c.multi.send(m);
  },
};

/** A fresh command table for one script: call it for every directive, in order. */
export function paxoskvScript(): (d: Directive) => string {
  return scriptRunner(new ScriptState<ScriptCluster>(), COMMANDS, (env) => env.cluster.take());
}
