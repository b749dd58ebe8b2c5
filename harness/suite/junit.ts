/**
 * JUnit XML for a suite summary, the report format every CI system reads (GitHub Actions via test
 * reporters, GitLab, Jenkins, Buildkite).
 *
 * One `<testcase>` per entry: classname `faultline.<system>.<variant>`, name
 * `<workload> nemesis=<faults> seed=<n>`. An entry against its expectation is a `<failure>` whose
 * message names the anomaly and the path of the run report; an entry without a verdict (crash,
 * timeout) is an `<error>`; an entry that did not run is `<skipped>`. Text is escaped for XML and
 * characters XML 1.0 cannot carry are dropped.
 */
import type { EntryResult, SuiteSummary } from './summary.js';

/** Escapes text for an XML attribute or text node, dropping characters XML 1.0 forbids. */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDFFF]/g, (c, i: number, str: string) => {
      // Keep well-formed surrogate pairs, drop lone halves.
      const code = c.charCodeAt(0);
      if (code <= 0xdbff) {
        const next = str.charCodeAt(i + 1);
        return next >= 0xdc00 && next <= 0xdfff ? c : '';
      }
      const prev = str.charCodeAt(i - 1);
      return prev >= 0xd800 && prev <= 0xdbff ? c : '';
    })
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** The testcase name of an entry. */
export function testcaseName(e: EntryResult): string {
  return `${e.workload} nemesis=${e.nemesis.join(',') || 'none'} seed=${e.seed}`;
}

function reportPath(e: EntryResult): string {
  return `${e.runDir}/report.html`;
}

function testcase(e: EntryResult): string {
  const seconds = ((e.durationMs ?? 0) / 1000).toFixed(3);
  const open = `    <testcase classname="${xmlEscape(`faultline.${e.system}.${e.variant}`)}" name="${xmlEscape(testcaseName(e))}" time="${seconds}">`;
  const lines = [open];
  const detail = [
    `entry: ${e.id}`,
    `expected: ${e.expect}`,
    `verdict: ${e.valid === null ? 'none' : String(e.valid)}`,
    `exit code: ${e.exitCode === null ? 'none' : e.exitCode}`,
    `report: ${reportPath(e)}`,
    e.command ? `repro: ${e.command}` : '',
  ].filter(Boolean).join('\n');
  const body = e.details ? `${detail}\n\n${e.details}` : detail;
  if (e.status === 'failed') {
    const msg = `expected ${e.expect}, got ${String(e.valid)}: ${e.message ?? ''} (report: ${reportPath(e)})`;
    lines.push(`      <failure message="${xmlEscape(msg)}" type="${e.valid === true ? 'NotDetected' : 'Anomaly'}">${xmlEscape(body)}</failure>`);
  } else if (e.status === 'error') {
    const msg = `${e.message ?? 'no verdict'} (log: ${e.runDir}.log)`;
    lines.push(`      <error message="${xmlEscape(msg)}" type="NoVerdict">${xmlEscape(detail)}</error>`);
  } else if (e.status === 'pending' || e.status === 'running') {
    lines.push(`      <skipped message="${xmlEscape(e.status === 'running' ? 'did not finish: the suite stopped while it ran' : 'did not run')}"/>`);
  }
  lines.push(`      <system-out>${xmlEscape(detail)}</system-out>`);
  lines.push('    </testcase>');
  return lines.join('\n');
}

/** The JUnit XML document of a summary. */
export function renderJunit(s: SuiteSummary): string {
  const c = s.counts;
  const seconds = (s.entries.reduce((t, e) => t + (e.durationMs ?? 0), 0) / 1000).toFixed(3);
  const name = `faultline ${s.name}${s.shard ? ` (shard ${s.shard.index}/${s.shard.count})` : ''}`;
  const attrs = `tests="${c.total}" failures="${c.failed}" errors="${c.error}" skipped="${c.pending + c.running}" time="${seconds}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(name)}" ${attrs}>`,
    `  <testsuite name="${xmlEscape(name)}" ${attrs} timestamp="${xmlEscape(s.createdAt.replace(/Z$/, ''))}">`,
    ...s.entries.map(testcase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
