/**
 * gossipd's commands for the scenario scripts of systems/gossipd/testdata (the format and the run
 * loop are systems/lib/sim/script.ts). A script builds a cluster on the generic simulator, lets
 * virtual time pass with every node ticking (50 ms a tick, messages 1-5 ms), and prints what the
 * nodes hold and decide:
 *
 *   cluster 3 [variant] [seed]       a cluster n1..n3 of that variant (correct), booted and ticking
 *   run 2000                         2000 ms of virtual time
 *   write n1 x 1 | read n3 x         a client write (its reply) | a read (each owner's value)
 *   partition n1 | n2 n3 | heal      (nodes not named are alone)
 *   crash n2 | restart n2 | pause n1 3000
 *   status                           each node's generation, role and failure-detector view
 *   section n2 n1                    what n2 holds of n1's section: generation, entries, versions
 *   converged                        whether every node holds the same state (heartbeats aside)
 *   claims                           every node's coordinator claims, then `judge`'s verdict on them
 *
 * Systems do not import the checkers: a test hands the coordinator checker in as `judge`.
 */
import { arg, type Directive, intArg, ScriptError } from '../lib/sim/script.js';
import { type Claim, type ClientRequest, GOSSIPD_VARIANTS, HEARTBEAT_KEY, type ReplyBody, type Variant } from './core/gossip.js';
import { bootNode, buildSim, comparableOf, type GossipSimulator, SIM_TICK_MS } from './sim.js';
import { clientKey } from './records.js';

/** The command table of a script run: one fresh cluster per script. */
export function gossipdScript(judge: (claims: Claim[]) => string = () => 'not judged'): (d: Directive) => string {
  let sim: GossipSimulator | null = null;
  let ids: string[] = [];
  let nextReq = 1;
  const replies = new Map<number, { id: string; body: ReplyBody }>();
  const need = (d: Directive): GossipSimulator => {
    if (sim === null) throw new ScriptError(d, 'no cluster yet: start with "cluster <n>"');
    return sim;
  };
  const node = (d: Directive, i: number): string => {
    const id = arg(d, i, 'a node');
    if (!ids.includes(id)) throw new ScriptError(d, `${d.command}: no node ${id} (nodes: ${ids.join(', ')})`);
    return id;
  };
  const request = (d: Directive, id: string, req: ClientRequest): string => {
    const s = need(d);
    if (s.core(id) === null) return `${id} is down`;
    const reqId = nextReq++;
    s.input(id, (c) => c.request(reqId, req));
    const r = replies.get(reqId);
    replies.delete(reqId);
    return r === undefined ? `${id}: no reply` : `${id} ${JSON.stringify(r.body)}`;
  };
  return (d: Directive): string => {
    switch (d.command) {
      case 'cluster': {
        const n = intArg(d, 0, 'the node count', 1);
        const variant = (d.args[1] ?? 'correct') as Variant;
        if (!GOSSIPD_VARIANTS.includes(variant)) throw new ScriptError(d, `cluster: unknown variant ${variant}`);
        const seed = d.args[2] === undefined ? 1 : intArg(d, 2, 'the seed');
        ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
        sim = buildSim(seed, ids, variant, {}, (id, reqId, body) => replies.set(reqId, { id, body }));
        for (const id of ids) bootNode(sim, id);
        ids.forEach((id, i) => sim!.startTicking(id, 1 + i * 7, SIM_TICK_MS));
        return `${n} nodes (${variant}), seed ${seed}`;
      }
      case 'run': {
        const s = need(d);
        const ms = intArg(d, 0, 'milliseconds', 1);
        s.run(s.now + ms);
        return `t=${s.now} ms`;
      }
      case 'write':
        return request(d, node(d, 0), { type: 'write', key: clientKey(arg(d, 1, 'a key')), value: JSON.parse(arg(d, 2, 'a value')) as unknown });
      case 'read':
        return request(d, node(d, 0), { type: 'read', key: clientKey(arg(d, 1, 'a key')) });
      case 'partition': {
        const groups: string[][] = [[]];
        for (const a of d.args) {
          if (a === '|') groups.push([]);
          else groups[groups.length - 1]!.push(node(d, d.args.indexOf(a)));
        }
        const named = groups.flat();
        for (const id of ids) if (!named.includes(id)) groups.push([id]);
        need(d).net.partition(groups);
        return groups.map((g) => g.join(' ')).join(' | ');
      }
      case 'heal':
        need(d).net.partition(null);
        return 'healed';
      case 'crash':
        need(d).crash(node(d, 0), 'kill');
        return `${d.args[0]} killed`;
      case 'restart': {
        const id = node(d, 0);
        bootNode(need(d), id);
        return `${id} up at generation ${need(d).core(id)!.gen}`;
      }
      case 'pause': {
        const s = need(d);
        const id = node(d, 0);
        s.pause(id, s.now + intArg(d, 1, 'milliseconds', 1));
        return `${id} paused until t=${s.now + Number(d.args[1])} ms`;
      }
      case 'status': {
        const s = need(d);
        return ids
          .map((id) => {
            const c = s.core(id);
            if (c === null) return `${id} down`;
            const v = c.statusView() as { role: string; term: number; gen: number; view: Record<string, string> };
            return `${id} gen=${v.gen} ${v.role}${v.role === 'leader' ? ` epoch=${v.term}` : ''} view ${Object.entries(v.view).map(([m, st]) => `${m}=${st}`).join(' ')}${s.isPaused(id) ? ' (paused)' : ''}`;
          })
          .join('\n');
      }
      case 'section': {
        const s = need(d);
        const at = node(d, 0);
        const of = node(d, 1);
        const sec = s.core(at)?.section(of);
        if (sec === undefined) return `${at} holds nothing of ${of}`;
        const entries = [...sec.entries].filter(([k]) => k !== HEARTBEAT_KEY).map(([k, e]) => `${k}=${JSON.stringify(e.v)}@${e.ver}`);
        return `${at} holds ${of} at gen=${sec.gen} maxVer=${sec.maxVer}: ${entries.join(' ') || '(heartbeat only)'}`;
      }
      case 'converged': {
        const s = need(d);
        const groups = new Map<string, string[]>();
        for (const id of ids) {
          const c = s.core(id);
          const k = c === null ? 'down' : JSON.stringify(comparableOf(c));
          groups.set(k, [...(groups.get(k) ?? []), id]);
        }
        return groups.size === 1 ? 'converged' : `not converged: ${[...groups.values()].map((g) => `{${g.join(',')}}`).join(' vs ')}`;
      }
      case 'claims': {
        const s = need(d);
        const all: Claim[] = [];
        for (const id of ids) all.push(...(s.core(id)?.allClaims() ?? []));
        all.sort((a, b) => a.fromUs - b.fromUs);
        const lines = all.map((c) => `${c.node} gen=${c.gen} epoch=${c.epoch} ${c.fromUs / 1000}-${c.toUs / 1000} ms seen={${c.seen.join(',')}} owners=${c.owners.join(',')}`);
        return [...lines, `verdict: ${judge(all)}`].join('\n');
      }
      default:
        throw new ScriptError(d, `unknown command ${d.command}`);
    }
  };
}
