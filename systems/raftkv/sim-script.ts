/**
 * raftkv's commands for the scenario scripts of systems/raftkv/testdata (the format and the run
 * loop are systems/lib/sim/script.ts). A script drives a cluster by hand on the generic simulator:
 * nothing ticks unless told, messages wait in the network until `stabilize` delivers them (each
 * takes 1 ms, in order per link), and every delivery, role change and client reply is printed.
 *
 *   add-nodes 3 [param=value ...]    a cluster n1..n3; params are RaftParams fields
 *   campaign n1                      n1's election timeout elapses now
 *   propose n1 put x 1 | propose n1 cas x 1 2 | read n1 x
 *   tick n2 5 | tick all 5           5 ticks of n2 (or of every node), 10 ms each
 *   deliver-msgs                     deliver the messages in flight (not the ones they cause)
 *   stabilize                        deliver messages until none is left
 *   partition n1 | n2 n3 | heal      (nodes not named are alone)
 *   crash n2 | restart n2            a crash loses the process; the disk keeps what was synced
 *   compact n1                       snapshot at n1's applied index, dropping the log before it
 *   status | log n1                  roles, terms and indexes; n1's log, uncommitted entries marked
 */
import { arg, type Directive, intArg, type ScriptCommand, type ScriptedCluster, ScriptError, scriptRunner, ScriptState, sharedCommands } from '../lib/sim/script.js';
import { Simulator } from '../lib/sim/simulator.js';
import { InvariantError, type RaftNode } from './core/raft.js';
import { DEFAULT_PARAMS, type ClientRequest, type Command, type Entry, type KvOp, type PeerMessage, type RaftParams } from './core/types.js';
import { bootRaftNode, cloneImage, emptyImage, persistReady, type RaftSimulator } from './sim.js';

/** Script defaults: a tick is 10 ms; no compaction unless a script asks for it. */
const SCRIPT_PARAMS: Partial<RaftParams> = { tickMs: 10 };

function formatCmd(cmd: Command | null): string {
  if (cmd === null) return 'noop';
  const op = cmd.op as KvOp;
  if (op.f === 'write') return `put ${op.key}=${JSON.stringify(op.value)}`;
  if (op.f === 'cas') return `cas ${op.key} ${JSON.stringify(op.from)}->${JSON.stringify(op.to)}`;
  return `txn ${JSON.stringify(op.ops)}`;
}

function formatEntry(e: Entry): string {
  return `${e.index}/${e.term} ${formatCmd(e.cmd)}`;
}

/** One line per message, with the fields a reader needs to follow the protocol. */
export function formatMessage(m: PeerMessage): string {
  const head = `${m.from}->${m.to} ${m.type} term=${m.term}`;
  switch (m.type) {
    case 'RequestVote':
      return `${head} last=${m.lastLogIndex}/${m.lastLogTerm}${m.pre === true ? ' pre' : ''}`;
    case 'RequestVoteResp':
      return `${head} ${m.granted ? 'granted' : 'rejected'}${m.pre === true ? ' pre' : ''}`;
    case 'AppendEntries': {
      const entries = m.entries.length > 0 ? ` entries=[${m.entries.map(formatEntry).join(', ')}]` : '';
      return `${head} prev=${m.prevLogIndex}/${m.prevLogTerm} commit=${m.leaderCommit}${entries}`;
    }
    case 'AppendEntriesResp':
      return `${head} ${m.success ? `ok match=${m.matchIndex}` : `reject hint=${m.matchIndex}`}`;
    case 'InstallSnapshot':
      return `${head} snapshot=${m.snapshot.lastIncludedIndex}/${m.snapshot.lastIncludedTerm}`;
    case 'InstallSnapshotResp':
      return `${head} match=${m.matchIndex}`;
    case 'Forward':
      return `${head} cmds=[${m.cmds.map(formatCmd).join(', ')}]`;
    case 'ReadIndex':
      return `${head} ctx=${m.ctx}`;
    case 'ReadIndexResp':
      return `${head} ctx=${m.ctx} ${m.ok ? `index=${m.index}` : 'refused'}`;
  }
}

function formatReply(body: Record<string, unknown>): string {
  return Object.entries(body)
    .map(([k, v]) => (k === 'type' ? String(v) : `${k}=${JSON.stringify(v)}`))
    .join(' ');
}

/** Parses `name=value` into a RaftParams field, by the type of its default. */
function parseParam(d: Directive, text: string): Partial<RaftParams> {
  const [name, value] = text.split('=');
  if (name === undefined || value === undefined || !(name in DEFAULT_PARAMS)) {
    throw new ScriptError(d, `add-nodes: unknown parameter ${JSON.stringify(text)} (one of ${Object.keys(DEFAULT_PARAMS).join(', ')})`);
  }
  const dflt = DEFAULT_PARAMS[name as keyof RaftParams];
  if (typeof dflt === 'boolean') {
    if (value !== 'true' && value !== 'false') throw new ScriptError(d, `add-nodes: ${name} must be true or false, got ${JSON.stringify(value)}`);
    return { [name]: value === 'true' };
  }
  const n = Number(value);
  if (!/^(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(value) || !Number.isFinite(n)) {
    throw new ScriptError(d, `add-nodes: ${name} must be a decimal number, got ${JSON.stringify(value)}`);
  }
  return { [name]: n };
}

/** A cluster driven by one script, and the lines the current command printed. */
class ScriptCluster implements ScriptedCluster {
  readonly sim: RaftSimulator;
  private out: string[] = [];
  private readonly seen = new Map<string, string>();
  private readonly requests = new Map<number, string>();
  private nextReqId = 1;

  constructor(
    readonly ids: readonly string[],
    readonly params: Partial<RaftParams>,
    seed: number,
  ) {
    this.sim = new Simulator({
      seed,
      network: { delayMaxMs: 1 },
      cloneState: cloneImage,
      host: {
        boot: (id, disk, incarnation) =>
          bootRaftNode(id, disk, incarnation, {
            ids, variant: 'correct', params, rngSeed: ids.indexOf(id) + 1, monoMs: () => this.sim.now, wallMs: () => this.sim.now,
          }),
        persist: (id, rd, disk) => persistReady(rd, disk, (what) => this.print(`${id} ${what}`)),
        beforeSync: (id, rd) => {
          for (const r of rd.replies) this.print(`${id} reply ${this.requests.get(r.reqId) ?? `#${r.reqId}`}: ${formatReply(r.body)}`);
        },
        settled: (id, core) => this.noteRole(id, core),
        delivered: (m) => this.print(formatMessage(m)),
        isFatal: (e) => e instanceof InvariantError,
        fatal: (id, e) => this.print(`${id} crashed on an internal invariant: ${(e as Error).message}`),
        // A restarted process is a new node: its first state is news only in the restart's status.
        crashed: (id) => this.seen.delete(id),
      },
    });
    for (const id of ids) this.sim.addNode(id, emptyImage());
    for (const id of ids) this.sim.boot(id);
  }

  /** Virtual ms of one tick. */
  get tickMs(): number {
    return this.params.tickMs ?? DEFAULT_PARAMS.tickMs;
  }

  print(line: string): void {
    this.out.push(line);
  }

  /** The lines printed since the last call. */
  take(): string {
    const s = this.out.join('\n');
    this.out = [];
    return s;
  }

  /** Prints a node's role or term when either changed since it was last printed. */
  private noteRole(id: string, core: RaftNode): void {
    const s = core.status();
    const now = `${s.role} at term ${s.term}`;
    const before = this.seen.get(id);
    this.seen.set(id, now);
    // A node's first state (at boot) is in the status `add-nodes` and `restart` print; only changes are news.
    if (before !== undefined && before !== now) this.print(`${id} became ${now}`);
  }

  core(d: Directive, id: string): RaftNode {
    if (!this.ids.includes(id)) throw new ScriptError(d, `${d.command}: no node ${JSON.stringify(id)} (nodes are ${this.ids.join(' ')})`);
    const c = this.sim.core(id);
    if (c === null) throw new ScriptError(d, `${d.command}: ${id} is down`);
    return c;
  }

  request(d: Directive, id: string, req: ClientRequest, text: string): void {
    this.core(d, id);
    const reqId = this.nextReqId++;
    this.requests.set(reqId, `#${reqId} (${text})`);
    this.sim.input(id, (c) => c.request(reqId, req));
  }

  status(id: string): string {
    const c = this.sim.core(id);
    if (c === null) return `${id} down`;
    const s = c.status();
    return `${id} ${s.role} term=${s.term} leader=${s.leader ?? '-'} commit=${s.commitIndex} applied=${s.appliedIndex} last=${s.lastIndex} snapshot=${s.snapshotIndex}`;
  }

  log(d: Directive, id: string): string {
    const c = this.core(d, id);
    const snap = c.latestSnapshot;
    const lines = [`${id} commit=${c.committed}${snap === null ? '' : ` snapshot=${snap.lastIncludedIndex}/${snap.lastIncludedTerm}`}`];
    for (const e of c.entriesFrom(c.firstIndex())) lines.push(`${formatEntry(e)}${e.index > c.committed ? ' (uncommitted)' : ''}`);
    return lines.join('\n');
  }
}

type ScriptEnv = ScriptState<ScriptCluster>;

const COMMANDS: Record<string, ScriptCommand<ScriptEnv>> = {
  'add-nodes': (env, d) => {
    const c = env.create(d, (ids, args) => {
      let params: Partial<RaftParams> = { ...SCRIPT_PARAMS };
      for (const p of args) params = { ...params, ...parseParam(d, p) };
      return new ScriptCluster(ids, params, 1);
    });
    c.print(c.ids.map((id) => c.status(id)).join('\n'));
  },
  campaign: (env, d) => {
    const id = arg(d, 0, 'a node');
    env.cluster.core(d, id);
    env.cluster.sim.input(id, (c) => c.campaign());
  },
  propose: (env, d) => {
    const c = env.cluster;
    const id = arg(d, 0, 'a node');
    const op = arg(d, 1, 'put or cas');
    const key = arg(d, 2, 'a key');
    if (op === 'put') c.request(d, id, { type: 'write', key, value: intArg(d, 3, 'the value') }, `put ${key} ${d.args[3]}`);
    else if (op === 'cas') {
      const from = intArg(d, 3, 'the expected value');
      const to = intArg(d, 4, 'the new value');
      c.request(d, id, { type: 'cas', key, from, to }, `cas ${key} ${from} ${to}`);
    } else throw new ScriptError(d, `propose: unknown operation ${JSON.stringify(op)} (put or cas)`);
  },
  read: (env, d) => {
    const key = arg(d, 1, 'a key');
    env.cluster.request(d, arg(d, 0, 'a node'), { type: 'read', key }, `read ${key}`);
  },
  ...sharedCommands<ScriptEnv>((env) => env.cluster),
  compact: (env, d) => {
    const c = env.cluster;
    const id = arg(d, 0, 'a node');
    let index = 0;
    c.core(d, id);
    c.sim.input(id, (core) => {
      index = core.compact();
    });
    c.print(`${id} snapshot at ${index}`);
  },
  log: (env, d) => {
    env.cluster.print(env.cluster.log(d, arg(d, 0, 'a node')));
  },
};

/** A fresh command table for one script: call it for every directive, in order. */
export function raftkvScript(): (d: Directive) => string {
  return scriptRunner(new ScriptState<ScriptCluster>(), COMMANDS, (env) => env.cluster.take());
}
