/**
 * Fault packages: each kind is one package in the index with the whole shape; the schedule and the
 * nemesis reach faults only through it, seeded schedules are those drawn before faults were
 * packages, and names from the command line never reach Object.prototype.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../harness/cli/exit.js';
import type { Cluster } from '../../../harness/cluster/cluster.js';
import { allPackages, FAULT_PACKAGES, faultPackage, faultStyles, isFaultKind, kindPackage } from '../../../harness/nemesis/faults/index.js';
import { Nemesis } from '../../../harness/nemesis/nemesis.js';
import { describeFault, drawFault, FAULT_KINDS, planNemesis, unusableFaults, type FaultSpec } from '../../../harness/nemesis/schedule.js';
import type { Network } from '../../../harness/network/network.js';
import { MutableRng } from '../../../harness/random.js';
import { parseNemesis } from '../../../harness/run/config.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
const messageTypes = ['Forward', 'ReadIndex'];

describe('the fault index', () => {
  it('gives every package, variants included, the whole shape and a style', () => {
    const names = allPackages().map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of [...FAULT_KINDS, 'bandwidth']) expect(names).toContain(name);
    for (const p of allPackages()) {
      for (const m of ['unusable', 'draw', 'aim', 'start', 'stop', 'heal', 'describe'] as const) expect(typeof p[m], `${p.name}.${m}`).toBe('function');
      expect(p.summary.length, p.name).toBeGreaterThan(10);
      expect(p.style.color, p.name).toMatch(/^#[0-9a-f]{6}$/);
      expect(p.style.label.length, p.name).toBeGreaterThan(0);
    }
    // The report's styles: one per name that history events carry, with no prototype to look names up in.
    const styles = faultStyles();
    expect(Object.keys(styles)).toEqual(names);
    expect(styles.bandwidth).toEqual({ color: '#bc4c00', label: 'bandwidth limit' });
    expect(styles.message?.label).toBe('message faults');
    expect(new Set(Object.values(styles).map((s) => s.color)).size).toBe(names.length);
    expect(Object.getPrototypeOf(styles)).toBeNull();
    expect(styles['__proto__']).toBeUndefined();
  });

  it('names the kinds FAULT_KINDS lists, and each draws its own fault (latency also its bandwidth variant)', () => {
    expect([...FAULT_KINDS]).toEqual(Object.keys(FAULT_PACKAGES));
    const rng = new MutableRng(17);
    for (const kind of FAULT_KINDS) {
      const drawn = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const spec = drawFault(kind, nodes, rng, messageTypes);
        drawn.add(spec.fault);
        // The package that applies it is the one the kind names, or one of its variants.
        const p = faultPackage(spec);
        expect([kindPackage(kind), ...(kindPackage(kind).variants ?? [])]).toContain(p);
        expect(describeFault(spec)).toContain(p.describe(spec));
        expect(p.aim(spec, 'n4', nodes).fault).toBe(spec.fault);
        if (spec.fault === 'bandwidth') {
          expect(spec.rateKBps).toBeGreaterThanOrEqual(1);
          expect(spec.rateKBps).toBeLessThanOrEqual(64);
        }
      }
      expect(drawn).toEqual(new Set([kind, ...(kindPackage(kind).variants ?? []).map((v) => v.name)]));
    }
  });

  it('says why a kind cannot run on a cluster', () => {
    const kinds = ['partition', 'kill', 'pause', 'latency', 'clock', 'message'] as const;
    expect(unusableFaults(kinds, 1, [])).toEqual([
      { fault: 'partition', reason: 'network faults need at least 2 nodes' },
      { fault: 'latency', reason: 'network faults need at least 2 nodes' },
      { fault: 'message', reason: 'network faults need at least 2 nodes' },
    ]);
    expect(unusableFaults(kinds, 3, [])).toEqual([{ fault: 'message', reason: "message faults need the manifest's messageTypes" }]);
    expect(unusableFaults(kinds, 3, messageTypes)).toEqual([]);
  });

  it('refuses names of Object.prototype in --nemesis with a usage error', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(isFaultKind(name)).toBe(false);
      expect(() => parseNemesis(name)).toThrow(UsageError);
      expect(() => parseNemesis(`kill,${name}`)).toThrow(`--nemesis: unknown fault "${name}"`);
    }
    expect(parseNemesis('latency,kill,latency')).toEqual(['latency', 'kill']);
  });
});

describe('seeded schedules', () => {
  /** sha256 of the schedules' JSON. */
  const digest = (values: unknown[]) => createHash('sha256').update(values.map((v) => JSON.stringify(v)).join('')).digest('hex');

  it('are those drawn before faults were packages', () => {
    // The figures were taken from the schedules of the code before faults were packages, with
    // the kinds of then (a new kind leaves them as they are).
    const kinds = ['partition', 'kill', 'pause', 'latency', 'clock', 'message'] as const;
    const plans: unknown[] = [];
    for (let seed = 1; seed <= 50; seed++) {
      for (const overlap of [false, true]) {
        for (const ns of [nodes, ['n1', 'n2', 'n3'], ['n1']]) {
          plans.push(planNemesis({ faults: kinds, intervalMs: 500, timeLimitMs: 30_000, nodes: ns, seed, messageTypes, overlap }));
        }
      }
    }
    expect(digest(plans)).toBe('d6130b161319dad529a2790239c8150c4277c91c787b528d465ae2f28cb031b5');
    const draws: FaultSpec[] = [];
    for (const kind of kinds) {
      const rng = new MutableRng(3);
      for (let i = 0; i < 300; i++) draws.push(drawFault(kind, nodes, rng, messageTypes));
    }
    expect(digest(draws)).toBe('d355d60217a121ac5309700fe9379fd63cd6a9bd9040b2983af18f128554256d');
    const latency = planNemesis({ faults: ['latency'], intervalMs: 1000, timeLimitMs: 6000, nodes: ['n1', 'n2', 'n3'], seed: 2 });
    expect(latency.map((s) => `${s.atMs} ${s.action} ${describeFault(s.spec)}`)).toEqual([
      '1000 start bandwidth 55 KB/s on links of n3',
      '2000 stop bandwidth 55 KB/s on links of n3',
      '3000 start latency 244±47 ms on links of n2',
      '4000 stop latency 244±47 ms on links of n2',
      '5000 start latency 199±67 ms on all links',
    ]);
  });
});

/** A cluster of fake nodes whose client ports are `ports`, recording what was done to them. */
function fakeCluster(ports: Record<string, number>, calls: string[]): Cluster {
  const ids = Object.keys(ports);
  const state = new Map(ids.map((id) => [id, 'running']));
  return {
    ids,
    allIds: ids,
    state: (id: string) => state.get(id),
    clientAddress: (id: string) => ({ host: '127.0.0.1', port: ports[id] }),
    kill: async (id: string) => void (calls.push(`kill ${id}`), state.set(id, 'dead')),
    restart: async (id: string) => {
      if (state.get(id) !== 'dead') return;
      calls.push(`restart ${id}`);
      state.set(id, 'running');
    },
    pause: (id: string) => void (calls.push(`pause ${id}`), state.set(id, 'paused')),
    resume: (id: string) => {
      if (state.get(id) !== 'paused') return;
      calls.push(`resume ${id}`);
      state.set(id, 'running');
    },
  } as unknown as Cluster;
}

/** A network recording which of its methods were called. */
function fakeNetwork(calls: string[]): Network {
  const method = (name: string) => async () => void calls.push(name);
  return {
    cut: method('cut'), slow: method('slow'), throttle: method('throttle'), filterMessages: method('filterMessages'),
    healPartitions: method('healPartitions'), healSlowness: method('healSlowness'), healMessages: method('healMessages'),
  } as unknown as Network;
}

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** An admin endpoint answering admin_ok to every line, recording each `ms` it is sent. */
async function adminServer(received: number[]): Promise<number> {
  const server = net.createServer((socket) => {
    let buf = '';
    socket.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, i)) as { msg_id: number; ms: number };
        buf = buf.slice(i + 1);
        received.push(msg.ms);
        socket.write(`${JSON.stringify({ type: 'admin_ok', in_reply_to: msg.msg_id })}\n`);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('the nemesis applies faults through their packages', () => {
  it('starts and stops each fault with its own package, and records it', async () => {
    const calls: string[] = [];
    const recorded: string[] = [];
    const nemesis = new Nemesis(fakeCluster({ n1: 1, n2: 1, n3: 1 }, calls), fakeNetwork(calls), (f) => void recorded.push(f));
    const specs: FaultSpec[] = [
      { fault: 'partition', kind: 'isolate', mode: 'clean', links: [['n1', 'n2']], description: 'n1 | n2,n3' },
      { fault: 'bandwidth', links: [['n1', 'n2']], rateKBps: 8, description: 'links of n1' },
      { fault: 'kill', nodes: ['n2'] },
      { fault: 'pause', nodes: ['n3'] },
      { fault: 'message', links: [['n1', 'n2']], types: ['Forward'], action: 'drop', delayMs: 0, probability: 1, description: 'links of n1' },
    ];
    for (const spec of specs) await nemesis.apply({ atMs: 0, action: 'start', spec });
    expect(nemesis.current).toEqual(['partition isolate (clean): n1 | n2,n3', 'bandwidth 8 KB/s on links of n1', 'kill -9 n2', 'pause n3', 'drop Forward on links of n1']);
    for (const spec of specs) await nemesis.apply({ atMs: 1, action: 'stop', spec });
    expect(calls).toEqual(['cut', 'throttle', 'kill n2', 'pause n3', 'filterMessages', 'healPartitions', 'healSlowness', 'restart n2', 'resume n3', 'healMessages']);
    expect(recorded).toEqual([...specs.map((s) => `start-${s.fault}`), ...specs.map((s) => `stop-${s.fault}`)]);
    expect(nemesis.errors).toEqual([]);
  });

  it('heals every kind, and sets back only the clocks it skewed, again at the next heal when that failed', async () => {
    // Arrange: n1 answers admin messages, n2 cannot be reached, n3 was never skewed.
    const calls: string[] = [];
    const received: number[] = [];
    const cluster = fakeCluster({ n1: await adminServer(received), n2: await closedPort(), n3: await closedPort() }, calls);
    const recorded: Array<{ f: string; error: string | undefined }> = [];
    const nemesis = new Nemesis(cluster, fakeNetwork(calls), (f, _v, error) => void recorded.push({ f, error }));
    await nemesis.apply({ atMs: 0, action: 'start', spec: { fault: 'clock', offsetsMs: { n1: -5000, n2: 700 } } });
    await nemesis.apply({ atMs: 0, action: 'start', spec: { fault: 'kill', nodes: ['n3'] } });
    expect(received).toEqual([-5000]);
    // Act
    await nemesis.healAll();
    // Assert: the network healed, the dead node restarted, n1 set back, n2's failure reported.
    expect(calls).toEqual(['kill n3', 'healPartitions', 'restart n3', 'healSlowness', 'healSlowness', 'healMessages']);
    expect(received).toEqual([-5000, 0]);
    expect(recorded.at(-1)?.f).toBe('heal');
    expect(recorded.at(-1)?.error).toMatch(/^clock: n2: /);
    expect(nemesis.current).toEqual([]);
    // The clock fault stays in force for the next heal, which tries it again; nothing else is.
    await nemesis.healAll();
    expect(received).toEqual([-5000, 0, 0]);
    expect(nemesis.errors.filter((e) => e.startsWith('heal: clock: n2: '))).toHaveLength(2);
  });
});
