/**
 * The lines a finished run or recheck prints: the verdict, the first anomaly, where the results
 * are, and the command that reproduces the run.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { RunResults } from './results.js';
import { outsideContractText } from '../nemesis/faults/clock-bound.js';

/** The verdict in words. */
export function verdictWord(valid: boolean | 'unknown'): string {
  return valid === true ? 'valid' : valid === false ? 'INVALID' : 'unknown';
}

/** The summary lines of a run. */
export function summaryLines(results: Pick<RunResults, 'valid' | 'checkers' | 'stats' | 'firstAnomaly' | 'nemesisErrors' | 'unknownReason' | 'net' | 'outsideContract'>, runDir: string, command: string | null): string[] {
  const lines: string[] = [];
  const per = Object.entries(results.checkers)
    .map(([name, r]) => `${name}: ${verdictWord(r.valid)}`)
    .join(', ');
  const word = results.outsideContract ? outsideContractText(results.outsideContract) : verdictWord(results.valid);
  lines.push(`verdict: ${word}${per ? ` (${per})` : ''}`);
  const s = results.stats;
  const lat = s.latencyMs ? `, latency p50 ${s.latencyMs.p50} ms p99 ${s.latencyMs.p99} ms` : '';
  lines.push(`ops: ${s.ok} ok, ${s.fail} fail, ${s.info} info${s.open ? `, ${s.open} never completed` : ''} (${s.opsPerSec} ops/s${lat})`);
  if (results.net) {
    const n = results.net;
    lines.push(`net: ${n.servers.msgCount} server msgs (${n.servers.msgsPerOp ?? '-'} per op), ${n.clients.msgCount} client msgs (${n.clients.msgsPerOp ?? '-'} per op), ${n.ops} ops`);
  }
  if (results.firstAnomaly) {
    const a = results.firstAnomaly;
    const at = a.timeNs !== null ? ` at ${(a.timeNs / 1e9).toFixed(3)} s` : '';
    lines.push(`first anomaly: event #${a.index}${at}: ${a.summary}`);
  }
  for (const [name, r] of Object.entries(results.checkers)) {
    if (r.valid !== true && r.explanation) lines.push(`${name}: ${r.explanation.split('\n')[0]}`);
  }
  if (results.unknownReason !== undefined && !results.outsideContract) lines.push(`unknown: ${results.unknownReason}`);
  for (const e of results.nemesisErrors) lines.push(`nemesis error: ${e}`);
  const rel = relative(process.cwd(), runDir);
  lines.push(`results: ${rel.startsWith('..') || rel === '' ? runDir : rel}`);
  if (existsSync(join(runDir, 'report.html'))) lines.push(`report: ${join(rel.startsWith('..') || rel === '' ? runDir : rel, 'report.html')}`);
  if (command) lines.push(`repro: ${command}`);
  return lines;
}
