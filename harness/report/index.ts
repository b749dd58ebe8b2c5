/**
 * The run report: `writeReport(runDir)` reads a run folder (run.json, history.jsonl,
 * results.json, nodes/*.log) and writes `<runDir>/report.html`, one self-contained file: the data
 * is embedded as JSON, the page's script, its styles and uPlot are inlined, and nothing is fetched
 * from the network. `faultline run` calls it at the end of a run; `faultline report <run dir>`
 * calls it for any stored run, including a partial one.
 *
 * See page/ for what the page draws, and data.ts for how the run's files become its data.
 */
import { writeFileAtomic } from '../run/folder.js';
import { join } from 'node:path';
import { readRunFolder, DEFAULT_LIMITS, type RunFolderLimits } from './run-folder.js';
import { buildReportData, type ReportData } from './data.js';
import { BASE_CSS, embedJson, escapeHtml, inlineScript, inlineStyle, uplotAssets } from './html.js';
import { reportPageScript } from './page-script.js';

export { buildReportData, type ReportData } from './data.js';
export { readRunFolder, type RunFolder, type RunFolderLimits } from './run-folder.js';

/** Options of writeReport. */
export interface WriteReportOptions {
  /** Where to write; default `<runDir>/report.html`. */
  outFile?: string;
  /** Bounds on what is read from the folder. */
  limits?: Partial<RunFolderLimits>;
}

/** What writeReport did. */
export interface WriteReportResult {
  /** The file written. */
  file: string;
  /** Its size, bytes. */
  bytes: number;
  /** Operations drawn in the report. */
  ops: number;
  /** Things skipped while reading the folder, also shown in the page. */
  warnings: string[];
}

/**
 * Writes the self-contained HTML report of a run folder. Throws a UsageError (exit 254) only when
 * `runDir` is not a run folder; missing or damaged files inside it are shown as warnings in the page.
 */
export function writeReport(runDir: string, options: WriteReportOptions = {}): WriteReportResult {
  const folder = readRunFolder(runDir, { ...DEFAULT_LIMITS, ...options.limits });
  const data = buildReportData(folder);
  const html = renderReportHtml(data);
  const file = options.outFile ?? join(runDir, 'report.html');
  // Write then rename, so that a browser (or `faultline serve`) never sees half a report.
  writeFileAtomic(file, html);
  return { file, bytes: Buffer.byteLength(html), ops: data.ops.lane.length, warnings: data.warnings };
}

/**
 * Writes a run's report at the end of `faultline run` or `recheck`. A report that cannot be
 * written never changes the run's outcome: the reason is passed to `note` and the run goes on.
 */
export function writeRunReport(runDir: string, note: (line: string) => void): void {
  try {
    writeReport(runDir);
  } catch (err) {
    note(`the HTML report could not be written: ${(err as Error).message} (try: faultline report ${runDir})`);
  }
}

const REPORT_CSS = `
#timeline-wrap { position: relative; width: 100%; overflow: hidden; border: 1px solid var(--line); border-radius: 6px; }
#timeline { display: block; cursor: crosshair; }
.controls { display: flex; gap: 8px; align-items: center; margin: 0 0 8px; flex-wrap: wrap; }
.legend { display: inline-flex; gap: 12px; align-items: center; margin-left: 8px; font-size: 12.5px; }
.legend #fault-legend { display: inline-flex; gap: 12px; } .legend #fault-legend i { border-top: 3px solid; }
.legend i { display: inline-block; width: 14px; height: 10px; border-radius: 2px; vertical-align: -1px; margin-right: 4px; }
#tip { position: fixed; z-index: 10; background: #fff; border: 1px solid var(--line); border-radius: 6px; box-shadow: 0 4px 14px rgba(0,0,0,.15); padding: 8px 10px; max-width: 520px; font-size: 12.5px; pointer-events: none; }
#tip .tip-title { font-weight: 700; margin-bottom: 4px; word-break: break-word; }
#tip td { word-break: break-word; }
.run-error { color: var(--bad); margin: 0 0 8px; }
.checker { margin: 0 0 8px; } .checker pre { margin: 6px 0 0; }
.witness details { max-height: 380px; overflow: auto; }
.witness h3, .anomaly h3 { font-size: 14px; margin: 8px 0 6px; }
.fail-op { color: var(--bad); } .fail-op button { margin-left: 8px; }
pre.sentence { flex: 1 1 380px; margin: 0; max-height: none; }
.anomaly { border-top: 1px solid var(--line); padding-top: 6px; } .anomaly:first-child { border-top: 0; }
svg.cycle, svg.lamport { background: #fff; border: 1px solid var(--line); border-radius: 6px; max-width: 100%; height: auto; }
#messages { overflow-x: auto; }
.plot { margin: 0 0 12px; }
#repro { user-select: all; }
header.top .replay { flex-basis: 100%; color: #f0c674; }
.summary-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 8px 28px; }
.crash h3 { font-size: 14px; margin: 8px 0 6px; } .crash .crash-node { color: var(--bad); } .crash pre.log-tail { max-height: 300px; }
.summary-grid h3 { font-size: 13px; color: var(--muted); margin: 0 0 4px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
`;

/**
 * The header's line for a replayed run: which schedule it followed, and that the processes'
 * interleaving was not reproduced. Written into the page as escaped text, so that it reads the
 * same with scripts off.
 */
function replayMarker(data: ReportData): string {
  if (data.replay === null) return '';
  return `<span id="replay" class="sub replay" data-replay-of="${escapeHtml(data.replay.of)}">replay of ${escapeHtml(data.replay.of)}: ${escapeHtml(data.replay.caveat)}</span>`;
}

/** The report page for already-built data (exported for tests and for benchmarks). */
export function renderReportHtml(data: ReportData): string {
  const uplot = uplotAssets();
  const title = `faultline · ${data.title}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
${inlineStyle(BASE_CSS + uplot.css + REPORT_CSS)}
</head>
<body>
<header class="top"><h1 id="title"></h1><span id="verdict" class="badge"></span><span id="subtitle" class="sub"></span>${replayMarker(data)}</header>
<main>
<section class="card" id="summary-card">
  <div class="summary-grid">
    <div><h3>Run</h3><table class="kv" id="meta"></table></div>
    <div><h3>Operations</h3><table class="kv" id="stats"></table></div>
    <div><h3>Checkers</h3><div id="checkers"></div></div>
  </div>
  <h3 class="muted" style="font-size:13px;margin:12px 0 4px">Reproduce</h3>
  <pre id="repro"></pre>
  <div id="warnings" class="warn" hidden><strong>Warnings</strong><ul></ul></div>
</section>
<section class="card" id="crashes-card" hidden><h2>Node crashes</h2><div id="crashes"></div></section>
<section class="card" id="timeline-card">
  <h2>Timeline</h2>
  <div class="controls">
    <select id="key-select" aria-label="key"></select>
    <button id="zoom-in" title="zoom in">+</button><button id="zoom-out" title="zoom out">−</button>
    <button id="zoom-fit">fit</button><button id="zoom-anomaly">show the anomaly</button>
    <span class="legend"><span><i style="background:var(--ok)"></i>ok</span><span><i style="background:var(--fail)"></i>fail</span><span><i style="background:var(--info)"></i>info (indeterminate)</span><span><i style="background:var(--pending)"></i>never completed</span><span id="fault-legend"></span><span><i style="background:#6639ba;height:4px"></i>linearization order</span></span>
  </div>
  <div id="timeline-wrap"><canvas id="timeline"></canvas></div>
  <div id="timeline-status" class="muted"></div>
  <div id="tip" hidden></div>
</section>
<section class="card" id="witness-card" hidden><h2>Why it is not linearizable</h2><div id="witness"></div></section>
<section class="card" id="anomalies-card" hidden><h2>Transactional anomalies</h2><div id="anomalies"></div></section>
<section class="card" id="plots-card"><h2>Latency and throughput</h2><div id="plots"><div class="plot" id="plot-latency"></div><div class="plot" id="plot-throughput"></div></div></section>
<section class="card" id="messages-card"><h2>Messages between nodes</h2>
  <div class="controls">window from <input id="msg-start" type="number" step="0.001" size="8"> s, for <input id="msg-len" type="number" step="1" min="1" size="6"> ms, spaced by <select id="msg-scale"><option value="order">event order</option><option value="time">real time</option></select> <button id="msg-draw">draw</button> <span id="msg-status" class="muted"></span></div>
  <div id="messages"></div>
</section>
<section class="card"><h2>Checker results (raw)</h2><div id="raw"></div></section>
</main>
${embedJson('report-data', data)}
${inlineScript(uplot.js)}
${inlineScript(reportPageScript())}
</body>
</html>
`;
}
