/**
 * The compare page: `renderCompareHtml(compare)` turns the data of `faultline compare`
 * (compare.json, typed by `CompareJson`) into one self-contained, static HTML page: a matrix of
 * variant x metrics (runs, anomalies detected, median time to the first anomaly, ok-rate inside and
 * outside fault windows, throughput, p50/p99 latency). Each cell shows the variant's summary and,
 * under it, one small link per run to that run's report, so every number can be traced to a run.
 *
 * Links are relative to the folder that holds compare.html. The page has no script at all: every
 * value is escaped into the markup.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { UsageError } from '../cli/exit.js';
import { writeFileAtomic } from '../run/folder.js';
import { BASE_CSS, escapeHtml, inlineStyle } from './html.js';
import type { CompareJson, CompareRun, CompareVariant } from './compare-types.js';

export type { CompareJson, CompareRun, CompareSummary, CompareVariant } from './compare-types.js';

/** Options of renderCompareHtml. */
export interface CompareHtmlOptions {
  /**
   * The folder compare.html is written to. Absolute `runDir`s are linked relative to it; relative
   * ones are taken as relative to it already.
   */
  baseDir?: string;
}

const e = escapeHtml;

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function fmt(v: unknown, digits = 1): string {
  const n = num(v);
  if (n === null) return '–';
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

function pct(v: unknown): string {
  const n = num(v);
  return n === null ? '–' : `${(n * 100).toFixed(1)}%`;
}

/** The href of a run's report, relative to the compare page, each path segment URL-encoded. */
function reportHref(run: CompareRun, baseDir: string | undefined): string {
  let dir = typeof run.runDir === 'string' ? run.runDir : '';
  if (isAbsolute(dir) && baseDir) dir = relative(baseDir, dir);
  const parts = dir.split(sep).join('/').split('/').filter((p) => p !== '' && p !== '.');
  return [...parts, 'report.html'].map((p) => (p === '..' ? p : encodeURIComponent(p))).join('/');
}

function verdictClass(v: unknown): string {
  return v === true ? 'valid' : v === false ? 'invalid' : v === 'unknown' ? 'unknown' : 'none';
}

function verdictWord(v: unknown): string {
  return v === true ? 'valid' : v === false ? 'anomaly found' : v === 'unknown' ? 'unknown' : 'no verdict';
}

interface Metric {
  label: string;
  /** What the column means, shown on hover over its header. */
  help: string;
  summary: (v: CompareVariant) => string;
  run: (r: CompareRun) => string;
  /** The summary value as a 0..1 share, for the bar behind it; null for no bar. */
  bar?: (v: CompareVariant) => number | null;
}

const METRICS: Metric[] = [
  {
    label: 'median time to first anomaly',
    help: 'median over the runs that found an anomaly of the seconds from the start to the first anomalous op',
    summary: (v) => (num(v.summary?.medianTimeToFirstAnomalyS) === null ? '–' : `${fmt(v.summary.medianTimeToFirstAnomalyS)} s`),
    run: (r) => (num(r.firstAnomalyS) === null ? '–' : `${fmt(r.firstAnomalyS)} s`),
  },
  {
    label: 'ok rate in faults', help: 'share of completed ops that were ok while a fault was active',
    summary: (v) => pct(v.summary?.okRateInFaults), run: (r) => pct(r.okRateInFaults), bar: (v) => num(v.summary?.okRateInFaults),
  },
  {
    label: 'ok rate outside faults', help: 'share of completed ops that were ok while no fault was active',
    summary: (v) => pct(v.summary?.okRateOutsideFaults), run: (r) => pct(r.okRateOutsideFaults), bar: (v) => num(v.summary?.okRateOutsideFaults),
  },
  {
    label: 'answered outside faults',
    help: 'share of completed ops answered while no fault was active: ok, or refused on their merits (a cas that found another value)',
    summary: (v) => pct(v.summary?.answeredRateOutsideFaults), run: (r) => pct(r.answeredRateOutsideFaults), bar: (v) => num(v.summary?.answeredRateOutsideFaults),
  },
  { label: 'throughput', help: 'ok ops per second', summary: (v) => `${fmt(v.summary?.opsPerSec)} ops/s`, run: (r) => fmt(r.opsPerSec) },
  { label: 'p50 latency', help: 'median latency of ok ops', summary: (v) => `${fmt(v.summary?.p50Ms, 2)} ms`, run: (r) => fmt(r.p50Ms, 2) },
  { label: 'p99 latency', help: '99th percentile latency of ok ops', summary: (v) => `${fmt(v.summary?.p99Ms, 2)} ms`, run: (r) => fmt(r.p99Ms, 2) },
];

const COMPARE_CSS = `
table.matrix { border-collapse: collapse; width: 100%; }
table.matrix th, table.matrix td { border-bottom: 1px solid var(--line); padding: 8px 12px; text-align: left; vertical-align: top; }
table.matrix th { background: var(--bg); font-weight: 600; }
table.matrix th[title] { text-decoration: underline dotted #8c959f; cursor: help; }
table.matrix td.variant { font-weight: 700; white-space: nowrap; }
.value { font-size: 15px; font-variant-numeric: tabular-nums; position: relative; display: inline-block; min-width: 90px; }
.bar { position: absolute; left: 0; bottom: -2px; height: 3px; background: var(--ok); border-radius: 2px; }
.runs { margin-top: 4px; display: flex; flex-wrap: wrap; gap: 2px 8px; font-size: 11.5px; }
.runs a { color: var(--muted); font-variant-numeric: tabular-nums; } .runs a:hover { color: #0969da; }
.dots { display: flex; gap: 4px; margin-top: 5px; }
.dot { width: 14px; height: 14px; border-radius: 50%; background: var(--pending); display: inline-block; }
.dot.valid { background: var(--good); } .dot.invalid { background: var(--bad); } .dot.unknown { background: var(--unknown); }
td.detected.some { background: #fff5f5; } td.detected.none { background: #f3fbf5; }
.legend { font-size: 12.5px; color: var(--muted); margin-top: 8px; }
.legend .dot { width: 10px; height: 10px; vertical-align: -1px; margin: 0 3px 0 10px; }
`;

/** Renders compare.html from the comparison's data. */
export function renderCompareHtml(compare: CompareJson, options: CompareHtmlOptions = {}): string {
  const c = compare ?? ({} as CompareJson);
  const variants = Array.isArray(c.variants) ? c.variants : [];
  const seeds = Array.isArray(c.seeds) ? c.seeds : [];
  const nemesis = Array.isArray(c.nemesis) ? (c.nemesis.length ? c.nemesis.join(', ') : 'none') : String(c.nemesis ?? '');
  const title = `${c.system ?? '?'} · ${c.workload ?? '?'} · nemesis ${nemesis}`;
  const runLinks = (v: CompareVariant, text: (r: CompareRun) => string) =>
    `<div class="runs">${(Array.isArray(v.runs) ? v.runs : [])
      .map((r) => `<a href="${e(reportHref(r, options.baseDir))}" title="seed ${e(String(r.seed))}: ${e(verdictWord(r.valid))}, exit ${e(String(r.exitCode))} (open the report)">${e(text(r))}</a>`)
      .join('')}</div>`;
  const rows = variants.map((v) => {
    const runs = Array.isArray(v.runs) ? v.runs : [];
    const total = num(v.summary?.runs) ?? runs.length;
    const detected = num(v.summary?.detected) ?? runs.filter((r) => r.valid === false).length;
    const dots = runs
      .map((r) => `<a class="dot ${verdictClass(r.valid)}" href="${e(reportHref(r, options.baseDir))}" title="seed ${e(String(r.seed))}: ${e(verdictWord(r.valid))} (open the report)"></a>`)
      .join('');
    const cells = METRICS.map((m) => {
      const share = m.bar?.(v) ?? null;
      const bar = share === null ? '' : `<span class="bar" style="width:${Math.max(0, Math.min(1, share)) * 100}%"></span>`;
      return `<td><span class="value">${e(m.summary(v))}${bar}</span>${runLinks(v, m.run)}</td>`;
    }).join('');
    return `<tr data-variant="${e(String(v.variant))}"><td class="variant">${e(String(v.variant))}</td>`
      + `<td class="num">${e(String(total))}</td>`
      + `<td class="detected ${detected > 0 ? 'some' : 'none'}"><span class="value">${e(String(detected))} of ${e(String(total))}</span><div class="dots">${dots}</div></td>`
      + `${cells}</tr>`;
  }).join('\n');
  const head = `<tr><th>variant</th><th class="num">runs</th><th title="runs whose checkers found an anomaly">anomalies detected</th>${METRICS.map((m) => `<th title="${e(m.help)}">${e(m.label)}</th>`).join('')}</tr>`;
  const meta: Array<[string, string]> = [
    ['system', String(c.system ?? '')], ['workload', String(c.workload ?? '')], ['nemesis', nemesis],
    ['runs per variant', String(c.runsPerVariant ?? '')], ['time limit', c.timeLimitS !== undefined ? `${c.timeLimitS} s` : ''],
    ['seeds', seeds.join(', ')], ['created', String(c.createdAt ?? '')],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${e(`faultline compare · ${title}`)}</title>
${inlineStyle(BASE_CSS + COMPARE_CSS)}
</head><body>
<header class="top"><h1>Compare variants</h1><span class="sub">${e(title)}</span></header>
<main>
<section class="card"><table class="kv" id="meta">${meta.filter(([, v]) => v !== '').map(([k, v]) => `<tr><td>${e(k)}</td><td>${e(v)}</td></tr>`).join('')}</table>
<p class="muted">Every variant ran with the same seeds, workload and faults. Each small number under a value is one run: follow it to that run's report.</p></section>
<section class="card"><h2>Variants</h2>
${variants.length ? `<div style="overflow-x:auto"><table class="matrix" id="matrix"><thead>${head}</thead><tbody>\n${rows}\n</tbody></table></div>
<div class="legend">runs:<span class="dot valid"></span>valid<span class="dot invalid"></span>anomaly found<span class="dot unknown"></span>unknown<span class="dot"></span>no verdict</div>` : '<p class="muted">No variants.</p>'}
</section>
</main></body></html>
`;
}

/**
 * Reads `<dir>/compare.json` and writes `<dir>/compare.html` next to it. Throws a UsageError when
 * compare.json is missing or is not JSON.
 */
export function writeCompareReport(dir: string): string {
  const path = join(dir, 'compare.json');
  let data: CompareJson;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as CompareJson;
  } catch (err) {
    throw new UsageError(`${path}: cannot read the comparison (${(err as Error).message})`);
  }
  const out = join(dir, 'compare.html');
  writeFileAtomic(out, renderCompareHtml(data, { baseDir: dir }));
  return out;
}
