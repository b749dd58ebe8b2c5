/**
 * The suite's `index.html`: one self-contained page (no scripts, no network) listing every entry
 * with its expectation, verdict and status, linking to each run's report, history and log by
 * relative links, so the page works from a downloaded CI artifact. Every value is escaped, and a
 * Content-Security-Policy allows no script and no load at all, in case one ever were not.
 */
import type { EntryResult, SuiteSummary } from './summary.js';

/** Escapes text for HTML text and attribute values. */
export function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A relative link target: each path segment percent-encoded, so odd names cannot break out. */
function href(path: string): string {
  return htmlEscape(path.split('/').map(encodeURIComponent).join('/'));
}

const STATUS_LABEL: Record<EntryResult['status'], string> = {
  passed: 'passed',
  failed: 'FAILED',
  error: 'ERROR',
  pending: 'did not run',
  running: 'did not finish',
};

function row(e: EntryResult): string {
  const verdict = e.valid === null ? '—' : e.valid === true ? 'valid' : e.valid === false ? 'invalid' : 'unknown';
  const secs = e.durationMs === null ? '' : (e.durationMs / 1000).toFixed(1);
  const ran = e.status !== 'pending';
  const links = ran
    ? [`<a href="${href(`${e.runDir}/report.html`)}">report</a>`, `<a href="${href(`${e.runDir}/history.jsonl`)}">history</a>`, `<a href="${href(`${e.runDir}.log`)}">log</a>`].join(' ')
    : '';
  return `<tr class="${e.status}"><td>${e.index + 1}</td><td>${htmlEscape(e.system)}</td><td>${htmlEscape(e.variant)}</td><td>${htmlEscape(e.workload)}</td><td>${htmlEscape(e.nemesis.join(',') || 'none')}</td><td>${e.seed}</td><td>${htmlEscape(e.expect)}</td><td>${verdict}</td><td class="status">${STATUS_LABEL[e.status]}</td><td class="num">${secs}</td><td class="msg">${htmlEscape(e.message ?? '')}</td><td>${links}</td></tr>`;
}

/** The index page of a summary. */
export function renderIndexHtml(s: SuiteSummary): string {
  const c = s.counts;
  const title = `faultline suite ${s.name}${s.shard ? ` (shard ${s.shard.index}/${s.shard.count})` : ''}`;
  const verdict = s.ok ? 'every entry met its expectation' : 'NOT every entry met its expectation';
  const missing = s.merged && s.merged.missingShards.length > 0 ? `<p class="warn">Shards missing from this merge: ${s.merged.missingShards.join(', ')}.</p>` : '';
  const state = s.state === 'finished' ? '' : `<p class="warn">The suite did not finish (${htmlEscape(s.state)}); entries marked "did not run" or "did not finish" have no result.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${htmlEscape(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right}td.msg{max-width:40em;word-break:break-word}
tr.passed td.status{color:#1a7f37}tr.failed td.status,tr.error td.status{color:#c62828;font-weight:bold}
tr.failed,tr.error{background:#fff4f4}tr.pending,tr.running{color:#888}
.ok{color:#1a7f37}.bad{color:#c62828}.warn{color:#b26a00}
</style></head><body>
<h1>${htmlEscape(title)}</h1>
<p class="${s.ok ? 'ok' : 'bad'}"><strong>${verdict}</strong>: ${c.passed} passed, ${c.failed} failed, ${c.error} errors, ${c.pending + c.running} did not run, of ${c.total}.</p>
${state}${missing}<p>Suite file: <code>${htmlEscape(s.suiteFile)}</code>. Started ${htmlEscape(s.createdAt)}, updated ${htmlEscape(s.updatedAt)}.</p>
<table><thead><tr><th>#</th><th>system</th><th>variant</th><th>workload</th><th>nemesis</th><th>seed</th><th>expect</th><th>verdict</th><th>status</th><th>s</th><th>anomaly / reason</th><th>files</th></tr></thead>
<tbody>
${s.entries.map(row).join('\n')}
</tbody></table>
</body></html>
`;
}
