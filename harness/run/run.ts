/**
 * A run, end to end: config -> cluster + network + nemesis + clients -> history.jsonl (streamed)
 * -> checkers -> results.json -> run.json with the reproducing command -> `latest` link.
 *
 *   1. create the run folder, write run.json (before anything can fail, so a crash is traceable);
 *   2. plan the nodes (free ports, data dirs), create one proxy per directed link, start the nodes;
 *   3. run the workload's generator (rate, time limit) on the workers while the nemesis follows its
 *      seeded schedule, every invocation, completion and fault recorded as it happens;
 *   4. heal everything, let the cluster settle, run the workload's final reads;
 *   5. stop the nodes and proxies, run the checkers, write results.json.
 *
 * The harness never leaves a process behind: nodes exit when their stdin closes; SIGINT, SIGTERM
 * and uncaught errors kill them at once; and the reaper (cluster/reaper.ts) covers SIGKILL.
 */
import { join } from 'node:path';
import { faultRecords, touched, type FaultRecord } from '../../checkers/history/effects.js';
import type { FunctionCounts } from '../../checkers/history/stats.js';
import type { HistoryEvent } from '../../checkers/history/types.js';
import type { CheckOutcome } from '../../workloads/types.js';
import { EXIT, FaultlineError, exitCodeForVerdict } from '../cli/exit.js';
import { Cluster, planCluster, planRoles, roleCount, roleFaultTargets } from '../cluster/cluster.js';
import { NodeStartError } from '../cluster/launcher.js';
import { LocalLauncher } from '../cluster/local.js';
import { limit, stagger, timeLimit } from '../generator/index.js';
import { Network } from '../network/network.js';
import { freePorts } from '../cluster/ports.js';
import { openToxiproxy, type ToxiproxyHandle } from '../toxiproxy/connect.js';
import { judgeByFaults } from '../nemesis/faults/index.js';
import { followSchedule, Nemesis } from '../nemesis/nemesis.js';
import { replayCommand, replaySteps, SCHEDULE_FILE, scheduleFile } from '../nemesis/replay.js';
import { planNemesis, unusableFaults } from '../nemesis/schedule.js';
import { deriveSeed, Rng } from '../random.js';
import { PHASE_LIMITS, reproCommand, VACUITY_DEFAULTS, type ResolvedRun, type VacuityThresholds } from './config.js';
import { FaultEffects } from './effects.js';
import { createRunDir, linkLatest, runRecord, writeJson } from './folder.js';
import { writeRunReport } from '../report/index.js';
import { HISTORY_EVENTS_MAX, RunHistory } from './history.js';
import { closeWorkers, interpret, makeWorkers } from './interpreter.js';
import { Progress } from './progress.js';
import { pollStatus, type StatusPoller } from './status-poll.js';
import { computeAnsweredTime, computeFunctions, computeStats } from './stats.js';
import type { NodeCrash, RunResults } from './results.js';
import { netFile, protocolErrorOf, startMaelstrom, type MaelstromRun } from '../maelstrom/run-hook.js';

const { settleMs: SETTLE_MS, finalPhaseMsMax: FINAL_PHASE_MS_MAX, checkTimeLimitMs: CHECK_TIME_LIMIT_MS } = PHASE_LIMITS;
/** Cluster starts tried when a node finds its port taken by another program. */
const START_ATTEMPTS_MAX = 3;
/** How long an interrupted run may spend removing its proxies from an external Toxiproxy server. */
const SIGNAL_CLEANUP_MS = 3000;

export type { RunResults };

/** What a finished run hands back to the CLI. */
export interface RunOutcome {
  runDir: string;
  results: RunResults;
  command: string;
}

/** Hooks for the terminal. */
export interface RunIo {
  /** Informational lines (stderr). */
  note(text: string): void;
  /** Live progress (only when stderr is a terminal). */
  progress: boolean;
}

async function openProxies(url: string, seed: number): Promise<ToxiproxyHandle> {
  try {
    return await openToxiproxy(url === 'embedded' ? { seed } : { url, seed });
  } catch (err) {
    if (err instanceof FaultlineError) throw err;
    throw new FaultlineError(`cannot use the Toxiproxy server ${url}: ${(err as Error).message}`, EXIT.crash);
  }
}

/** Runs one test. Throws FaultlineError(255) when the system cannot even start. */
export async function runTest(resolved: ResolvedRun, systemArg: string, io: RunIo): Promise<RunOutcome> {
  const { config, manifest, workload } = resolved;
  const startedAt = new Date();
  const startNs = process.hrtime.bigint();
  const { runDir, named } = createRunDir(config, startedAt);
  const command = resolved.replay ? replayCommand(resolved.replay, config) : reproCommand(config, systemArg);
  const replayOf = resolved.replay?.path ?? null;
  writeJson(join(runDir, 'run.json'), { ...runRecord(config, manifest.manifestPath, startedAt, command), ...(replayOf ? { replayOf } : {}) });
  if (named) linkLatest(runDir);
  if (io.progress) io.note(`faultline: ${config.system} (${config.variant}), ${config.workload}, ${config.nodes} nodes, seed ${config.seed}, in ${runDir}`);

  const launcher = await LocalLauncher.create({ pidsFile: join(runDir, 'pids') });
  const history = new RunHistory(join(runDir, 'history.jsonl'), startNs);
  let toxi: ToxiproxyHandle | null = null;
  let interrupted = false;
  let nemesis: Nemesis | null = null;
  const nemesisConfig = { faults: config.nemesis, intervalS: config.nemesisIntervalS, overlap: config.nemesisOverlap };
  const scheduleBase = { format: 'faultline-schedule/1' as const, system: config.system, variant: config.variant, workload: config.workload, nodes: config.nodes, seed: config.seed, timeLimitS: config.timeLimitS, nemesis: nemesisConfig, replayOf };
  /**
   * Writes schedule.json: at the heal, and also when the run ends before it (an error, a signal)
   * once some fault was applied, so that every run folder that had faults can be replayed.
   */
  const saveSchedule = (always: boolean) => {
    if (nemesis === null || (!always && nemesis.realized.length === 0)) return;
    writeJson(join(runDir, SCHEDULE_FILE), scheduleFile(scheduleBase, nemesis.realized));
  };
  const onSignal = (sig: NodeJS.Signals) => {
    const code = sig === 'SIGINT' ? 130 : 143;
    if (interrupted) process.exit(code);
    interrupted = true;
    // Kill every node first, synchronously: nothing may outlive an interrupted harness.
    launcher.killAllNow();
    history.close();
    try {
      saveSchedule(false);
    } catch (err) {
      process.stderr.write(`faultline: ${(err as Error).message}\n`);
    }
    process.stderr.write(`\nfaultline: interrupted by ${sig}; nodes killed; partial history in ${runDir}\n`);
    // An external Toxiproxy server outlives the run: take this run's proxies off it (they listen on
    // its ports and may carry a partition), for a short while at most. A second signal exits at once.
    const external = toxi && !toxi.embedded ? toxi : null;
    if (!external) process.exit(code);
    setTimeout(() => process.exit(code), SIGNAL_CLEANUP_MS).unref();
    void external.close().finally(() => process.exit(code));
  };
  const onFatal = (err: unknown) => {
    launcher.killAllNow();
    history.close();
    process.stderr.write(`faultline: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(EXIT.crash);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);

  let network: Network | null = null;
  let cluster: Cluster | null = null;
  let progress: Progress | null = null;
  let poller: StatusPoller | null = null;
  let maelstrom: MaelstromRun | null = null;
  try {
    let ids: string[] = [];
    if (config.nodes > 1) toxi = await openProxies(config.toxiproxy, deriveSeed(config.seed, 'toxiproxy'));
    for (let attempt = 1; cluster === null; attempt++) {
      // The nodes' ports in one call, so that they are distinct; proxies bind port 0 themselves.
      const ports = await freePorts(2 * (config.nodes + roleCount(manifest)));
      const plans = await planCluster(runDir, config.nodes, ports);
      const rolePlans = planRoles(runDir, manifest, ports.slice(2 * config.nodes));
      ids = plans.map((p) => p.id);
      let peers: Record<string, Record<string, string>> = Object.fromEntries(ids.map((id) => [id, {}]));
      if (toxi) {
        const net = await Network.create(toxi, plans, `fl${process.pid}-${startNs % 1_000_000n}-${attempt}-`);
        network = net;
        peers = Object.fromEntries(ids.map((id) => [id, net.peersOf(id)]));
      }
      try {
        // Nodes draw their own randomness (election jitter, torn writes) from a seed derived from the
        // run's, so that one seed constrains the whole scenario.
        maelstrom ??= await startMaelstrom({ manifest, workload: config.workload, workloadOptions: config.workloadOptions, ids, seed: config.seed, history });
        const params = { seed: deriveSeed(config.seed, 'nodes'), ...(config.logMessages ? { logMessages: true } : {}), ...(maelstrom?.params ?? {}) };
        cluster = await Cluster.start({ manifest, variant: config.variant, plans, rolePlans, peers, launcher, params, now: () => history.nowNs() });
      } catch (err) {
        if (!(err instanceof NodeStartError)) throw err;
        // Another program may take a free port between the moment it is found and the moment the
        // node binds it: start again on new ports, a few times, before calling it a crash.
        if (/EADDRINUSE/.test(err.logTail) && attempt < START_ATTEMPTS_MAX) {
          io.note(`faultline: node ${err.nodeId} found its port taken; starting the cluster again on new ports`);
          await network?.remove();
          network = null;
          continue;
        }
        throw new FaultlineError(`${manifest.name}: ${protocolErrorOf(err) ?? err.message}`, EXIT.crash);
      }
    }
    const c = cluster;

    const workers = makeWorkers(config.concurrency, ids);
    const timeLimitMs = config.timeLimitS * 1000;
    const phaseStartNs = history.nowNs();
    const n = new Nemesis(c, network, (f, value, error, type) => history.append({ type, process: 'nemesis', f, value, ...(error ? { error } : {}) }), {
      probe: new FaultEffects(c, network),
      invokes: true,
      clockMs: () => (history.nowNs() - phaseStartNs) / 1e6,
    });
    nemesis = n;
    if (io.progress) progress = new Progress(history, n, phaseStartNs + timeLimitMs * 1e6);

    const mainGen = limit(
      Math.floor(HISTORY_EVENTS_MAX / 2),
      timeLimit(
        phaseStartNs + timeLimitMs * 1e6,
        stagger(
          config.rateOpsPerSec,
          Rng.fromSeed(deriveSeed(config.seed, 'stagger')),
          workload.generator({ rng: Rng.fromSeed(deriveSeed(config.seed, 'generator')), concurrency: config.concurrency, nodes: config.nodes, workloadOptions: { ...(manifest.workloadOptions?.[config.workload] ?? {}), ...config.workloadOptions } }),
        ),
      ),
    );
    const messageTypes = manifest.messageTypes ?? [];
    for (const { fault, reason } of unusableFaults(config.nemesis, config.nodes, messageTypes, manifest)) {
      io.note(`faultline: ${fault} left out of this run (${reason})`);
    }
    const schedule = resolved.replay ? replaySteps(resolved.replay.schedule) : planNemesis({
      faults: config.nemesis,
      intervalMs: config.nemesisIntervalS * 1000,
      timeLimitMs,
      nodes: ids,
      seed: deriveSeed(config.seed, 'nemesis'),
      overlap: config.nemesisOverlap,
      combined: config.nemesisDefault,
      messageTypes,
      manifest,
      roleTargets: roleFaultTargets(manifest),
    });

    // Who leads, in which term, while the clients run: it ends before the final reads.
    poller = pollStatus(c, (value) => history.append({ type: 'info', process: 'status', f: 'cluster-status', value }));
    const nemesisRun = followSchedule(schedule, n, () => history.nowNs(), phaseStartNs);
    const shouldStop = () => history.length >= HISTORY_EVENTS_MAX || history.writeError !== null;
    const address = (node: string) => c.clientAddress(node);
    await interpret(mainGen, { workers, history, client: workload.client, address, opTimeoutMs: config.opTimeoutMs, ...(workload.opTimeoutCapsMs ? { opTimeoutCapsMs: workload.opTimeoutCapsMs } : {}), shouldStop, onCompletion: (x) => progress?.count(x.type) });
    nemesisRun.stop();
    await nemesisRun.done;

    progress?.phase('healing');
    await n.healAll();
    saveSchedule(true);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    await poller.stop();
    poller = null;
    progress?.phase('final reads');
    const finalGen = timeLimit(history.nowNs() + FINAL_PHASE_MS_MAX * 1e6, workload.finalGenerator(history.readBack(), { nodes: ids, workloadOptions: config.workloadOptions }));
    await interpret(finalGen, { workers, history, client: workload.client, address, opTimeoutMs: config.opTimeoutMs, ...(workload.opTimeoutCapsMs ? { opTimeoutCapsMs: workload.opTimeoutCapsMs } : {}), shouldStop, onCompletion: (x) => progress?.count(x.type) });
    closeWorkers(workers);
    progress?.stop();
    progress = null;

    // Read before the teardown: the nodes it ends are not crashes.
    const nodeCrashes = [...c.crashes];
    await c.stop();
    cluster = null;
    // The services record into the history: none may answer once it is closed.
    await maelstrom?.close();
    await toxi?.close();
    toxi = null;
    history.close();
    // A history that is not all on disk cannot be rechecked: the run ends without a verdict.
    if (history.writeError !== null) throw new FaultlineError(history.writeError, EXIT.crash);

    if (io.progress) io.note('checking the history...');
    const events = history.readBack();
    const outcome = await checkHistory(workload, events, config.workloadOptions);
    const composed = composeResults(outcome, events, nodeCrashes, {
      durationMs: Math.round(Number(process.hrtime.bigint() - startNs) / 1e6),
      nemesisErrors: n.errors,
    }, verdictRules(config, workload));
    const judged = judgeByFaults(composed, events, manifest, ids);
    const net = maelstrom?.net(events);
    const results = net ? { ...judged, net } : judged;
    if (net) writeJson(netFile(runDir), net);
    writeJson(join(runDir, 'results.json'), results);
    writeRunReport(runDir, io.note);
    return { runDir, results, command };
  } catch (err) {
    launcher.killAllNow();
    await poller?.stop();
    poller = null;
    const message = (err as Error).message;
    const events = recordedEvents(history);
    const failed: RunResults = {
      valid: 'unknown',
      exitCode: err instanceof FaultlineError ? err.exitCode : EXIT.crash,
      checkers: {},
      stats: computeStats(events),
      functions: computeFunctions(events),
      firstAnomaly: null,
      durationMs: Math.round(Number(process.hrtime.bigint() - startNs) / 1e6),
      nemesisErrors: [],
      nodeCrashes: cluster?.crashes ?? [],
      faults: faultRecords(events),
      error: message,
    };
    try {
      saveSchedule(false);
      writeJson(join(runDir, 'results.json'), failed);
      writeRunReport(runDir, io.note);
    } catch (writeErr) {
      // The disk that failed the run may fail this too: the first error is the one to tell.
      io.note(`faultline: ${(writeErr as Error).message}`);
    }
    // A run that ended in an error is a failure like any other: say how to run it again.
    if (err instanceof FaultlineError && err.exitCode !== EXIT.badInput) err.message = `${message}\nrepro: ${command}`;
    throw err;
  } finally {
    progress?.stop();
    await poller?.stop();
    history.close();
    if (cluster) await cluster.stop().catch(() => {});
    if (toxi) await toxi.close().catch(() => {});
    await maelstrom?.close().catch(() => {});
    await launcher.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  }
}

/** What a run that ended in an error recorded, as far as its file can be read. */
function recordedEvents(history: RunHistory): HistoryEvent[] {
  try {
    return history.readBack();
  } catch {
    return [];
  }
}

/** Runs shorter than this are not judged by how much of their time was answered. */
const MIN_SECONDS_FOR_ANSWERED_RULE = 4;

/**
 * The vacuity rules a run is judged by besides its checkers (README, "Verdicts"): thresholds left
 * out take their defaults, except that the rule of observed writes needs the workload's
 * `observedWrites` and the rule of faults `faultsRequested`, and neither applies without them.
 */
export interface VerdictRules extends Partial<VacuityThresholds> {
  observedWrites?: (events: readonly HistoryEvent[]) => number;
  /** The run asked for faults (`--nemesis` other than none). */
  faultsRequested?: boolean;
}

/** Why a run that found nothing could not have found anything, or null when it could have. */
function vacuity(events: readonly HistoryEvent[], faults: readonly FaultRecord[], functions: Record<string, FunctionCounts>, rules: VerdictRules): string | null {
  const minOk = rules.minOkPerF ?? VACUITY_DEFAULTS.minOkPerF;
  // A refusal on the merits (a cas that found another value) is the function at work, as in the answered rule.
  const short = Object.entries(functions).filter(([, c]) => c.ok + c.refused < minOk);
  if (minOk > 0 && short.length > 0) {
    const list = short.map(([f, c]) => `${f} ${c.ok} ok${c.refused ? ` and ${c.refused} refused` : ''} of ${c.ok + c.fail + c.info}`).join(', ');
    return `too few operations succeeded (${list}; at least ${minOk} ok or refused needed per function, --min-ok-per-f), so the history cannot show what they do`;
  }
  const minObserved = rules.minObservedReads ?? VACUITY_DEFAULTS.minObservedReads;
  if (minObserved > 0 && rules.observedWrites) {
    const n = rules.observedWrites(events);
    if (n < minObserved) {
      return `${n === 0 ? 'no' : `only ${n}`} ok read observed a value written in the run (at least ${minObserved} needed, --min-observed-reads), so no read could have shown a stale or lost write`;
    }
  }
  const minFaults = rules.minEffectiveFaults ?? VACUITY_DEFAULTS.minEffectiveFaults;
  if (minFaults > 0 && rules.faultsRequested === true && faults.length > 0) {
    const n = faults.filter(touched).length;
    if (n < minFaults) {
      return `${n === 0 ? 'none' : `only ${n}`} of the run's ${faults.length} faults cut or delayed traffic, stopped a process or set a clock while clients ran (at least ${minFaults} needed, --min-effective-faults), so the faults tested nothing`;
    }
  }
  return null;
}

/**
 * results.json from the checkers' outcome, the history and the nodes that crashed: a crash is a
 * finding (invalid, checker `nodes`, anomaly `node-crashed`); a run in which no op was ever ok
 * tested nothing, one that was answered in fewer than half of its seconds tested little, and one
 * that fails a vacuity rule (`rules`) could not have shown an anomaly, so none is ever valid
 * (unknown, with `unknownReason`).
 */
export function composeResults(
  outcome: CheckOutcome & { valid: boolean | 'unknown' },
  events: readonly HistoryEvent[],
  nodeCrashes: NodeCrash[],
  rest: Pick<RunResults, 'durationMs' | 'nemesisErrors'>,
  rules: VerdictRules = {},
): RunResults {
  const stats = computeStats(events);
  const faults = faultRecords(events);
  const functions = computeFunctions(events);
  let valid = outcome.valid;
  const checkers = { ...outcome.checkers };
  let firstAnomaly = outcome.firstAnomaly;
  let unknownReason: string | undefined;
  const first = nodeCrashes[0];
  if (first) {
    const how = (c: NodeCrash) => (c.signal ? `was ended by ${c.signal}` : `exited with code ${String(c.exitCode)}`);
    checkers.nodes = {
      valid: false,
      explanation: nodeCrashes.map((c) => `node ${c.node} ${how(c)} at ${(c.timeNs / 1e9).toFixed(3)} s, when no fault had ended it`).join('\n'),
      anomalies: nodeCrashes.map((c) => ({ type: 'node-crashed', ...c })),
    };
    valid = false;
    if (firstAnomaly === null || firstAnomaly.timeNs === null || firstAnomaly.timeNs > first.timeNs) {
      // The last event recorded before the crash (the history has no event of its own for it).
      let index = 0;
      for (const e of events) if ((e.time ?? 0) <= first.timeNs) index = e.index;
      firstAnomaly = { index, timeNs: first.timeNs, summary: `node-crashed: node ${first.node} ${how(first)}` };
    }
  } else if (valid !== false && stats.ok === 0) {
    valid = 'unknown';
    unknownReason = 'no operation was ok: the cluster never answered, so the history shows nothing to check';
  } else if (valid === true) {
    const t = computeAnsweredTime(events);
    if (t.seconds >= MIN_SECONDS_FOR_ANSWERED_RULE && t.answered * 2 < t.seconds) {
      valid = 'unknown';
      unknownReason = `the cluster answered in only ${t.answered} of the run's ${t.seconds} seconds, so the history shows too little to call it valid`;
    } else {
      const why = vacuity(events, faults, functions, rules);
      if (why !== null) {
        valid = 'unknown';
        unknownReason = why;
      }
    }
  } else if (valid === 'unknown') {
    // A checker could not decide: its own words say why.
    const [name, c] = Object.entries(checkers).find(([, c]) => c.valid === 'unknown') ?? [];
    if (name !== undefined && c !== undefined) unknownReason = `${name}: ${(c.explanation ?? 'undecided').split('\n')[0]}`;
  }
  return {
    valid,
    exitCode: exitCodeForVerdict(valid),
    checkers,
    stats,
    functions,
    firstAnomaly,
    ...rest,
    nodeCrashes,
    faults,
    ...(unknownReason !== undefined ? { unknownReason } : {}),
  };
}

/** The vacuity rules of a run: its thresholds, its workload's observed writes, and whether it asked for faults. */
export function verdictRules(config: Partial<VacuityThresholds> & { nemesis?: readonly string[] }, workload: Pick<ResolvedRun['workload'], 'observedWrites'>): VerdictRules {
  const rules: VerdictRules = { observedWrites: (events) => workload.observedWrites(events), faultsRequested: (config.nemesis ?? []).length > 0 };
  for (const key of Object.keys(VACUITY_DEFAULTS) as (keyof VacuityThresholds)[]) {
    const v = config[key];
    if (typeof v === 'number') rules[key] = v;
  }
  return rules;
}

/** Runs a workload's checkers and composes their verdicts (false > unknown > true). */
export async function checkHistory(
  workload: ResolvedRun['workload'],
  events: readonly HistoryEvent[],
  workloadOptions: Record<string, unknown> = {},
): Promise<CheckOutcome & { valid: boolean | 'unknown' }> {
  let outcome: CheckOutcome;
  try {
    outcome = await workload.checker(events, { timeLimitMs: CHECK_TIME_LIMIT_MS, workloadOptions });
  } catch (err) {
    // A checker that throws knows nothing: unknown, with the reason (jepsen.checker's check-safe).
    outcome = { checkers: { [workload.name]: { valid: 'unknown', explanation: `checker failed: ${(err as Error).message}` } }, firstAnomaly: null };
  }
  const verdicts = Object.values(outcome.checkers).map((c) => c.valid);
  const valid = verdicts.includes(false) ? false : verdicts.includes('unknown') || verdicts.length === 0 ? 'unknown' : true;
  return { ...outcome, valid };
}
