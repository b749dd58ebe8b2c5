/**
 * The data of compare.json and the page rendered from it (compare.html): a matrix of variant x
 * metrics whose cells link to the run reports by relative links. Every value is escaped.
 */

/** One run of one variant inside a comparison. */
export interface CompareRun {
  seed: number;
  /** The run folder, relative to the folder holding compare.json. */
  runDir: string;
  valid: boolean | 'unknown';
  exitCode: number;
  /** Seconds from the start of the run to the first anomalous op; null when none was found. */
  firstAnomalyS: number | null;
  /** Share of completed ops that were `ok` while a fault was active, 0..1. */
  okRateInFaults: number | null;
  /** Share of completed ops that were `ok` while no fault was active, 0..1. */
  okRateOutsideFaults: number | null;
  opsPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** The aggregate of one variant's runs (medians over the runs; the anomaly time over detecting runs). */
export interface CompareSummary {
  runs: number;
  detected: number;
  medianTimeToFirstAnomalyS: number | null;
  okRateInFaults: number | null;
  okRateOutsideFaults: number | null;
  opsPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** One variant's row of the matrix. */
export interface CompareVariant {
  variant: string;
  runs: CompareRun[];
  summary: CompareSummary;
}

/** The whole comparison, as written to compare.json. */
export interface CompareJson {
  system: string;
  workload: string;
  nemesis: string[];
  runsPerVariant: number;
  timeLimitS: number;
  seeds: number[];
  createdAt: string;
  variants: CompareVariant[];
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function href(path: string): string {
  return esc(path.split('/').map(encodeURIComponent).join('/'));
}

const fmt = (x: number | null, digits: number, scale = 1) => (x === null ? '—' : (x * scale).toFixed(digits));

/** Renders compare.html from the comparison's data. */
export function renderCompareHtml(c: CompareJson): string {
  const rows = c.variants
    .map((v) => {
      const s = v.summary;
      const runs = v.runs
        .map((r) => {
          const cls = r.valid === true ? 'valid' : r.valid === false ? 'invalid' : 'unknown';
          const label = r.valid === true ? '✓' : r.valid === false ? '✗' : '?';
          return `<a class="${cls}" href="${href(`${r.runDir}/report.html`)}" title="seed ${r.seed}: ${esc(String(r.valid))}">${label}</a>`;
        })
        .join(' ');
      return `<tr><th>${esc(v.variant)}</th><td>${s.runs}</td><td>${s.detected}/${s.runs}</td><td>${fmt(s.medianTimeToFirstAnomalyS, 2)}</td><td>${fmt(s.okRateInFaults, 1, 100)}</td><td>${fmt(s.okRateOutsideFaults, 1, 100)}</td><td>${fmt(s.opsPerSec, 1)}</td><td>${fmt(s.p50Ms, 1)}</td><td>${fmt(s.p99Ms, 1)}</td><td class="runs">${runs}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>faultline compare ${esc(c.system)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:right}
th:first-child{text-align:left}thead th{background:#f4f4f4}
a.valid{color:#1a7f37}a.invalid{color:#c62828;font-weight:bold}a.unknown{color:#b26a00}td.runs{text-align:left}
</style></head><body>
<h1>faultline compare: ${esc(c.system)}</h1>
<p>Workload <b>${esc(c.workload)}</b>, nemesis <b>${esc(c.nemesis.join(',') || 'none')}</b>, ${c.runsPerVariant} runs per variant of ${c.timeLimitS} s, seeds ${esc(c.seeds.join(', '))}. Started ${esc(c.createdAt)}.</p>
<table><thead><tr><th>variant</th><th>runs</th><th>anomalies detected</th><th>median time to first anomaly (s)</th><th>ok % in faults</th><th>ok % outside faults</th><th>ops/s</th><th>p50 ms</th><th>p99 ms</th><th>runs (link to report)</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>Medians over the runs of each variant; the time to the first anomaly is the median over the runs that found one.</p>
</body></html>
`;
}
