/**
 * The results browser behind `faultline serve`: a small HTTP server over a results folder.
 *
 *   GET /                      the runs, newest first, coloured by verdict, filterable by system,
 *                              variant, workload and verdict; comparisons and suites below them
 *   GET /files/<path>          a file inside the results folder (a report, history.jsonl, a node
 *                              log, compare.html...); a run's report.html is written on first
 *                              request when the run has none yet
 *
 * It binds 127.0.0.1 unless told otherwise, answers only GET and HEAD, and serves nothing outside
 * the results folder: paths with `..`, NUL or a symlink that leads out are refused.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../cli/exit.js';
import { writeReport } from './index.js';
import { BASE_CSS, escapeHtml, inlineScript, inlineStyle } from './html.js';

/** Options of startServer. */
export interface ServeOptions {
  /** The folder holding the runs. */
  resultsDir: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Address to bind; loopback by default. */
  host?: string;
  /** Most runs listed (newest kept). */
  maxRuns?: number;
}

/** A running results browser. */
export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** One run as listed on the index page. */
export interface RunEntry {
  /** Path of the run folder relative to the results folder, with `/`. */
  path: string;
  name: string;
  system: string;
  variant: string;
  workload: string;
  nemesis: string;
  seed: string;
  startedAt: string;
  valid: boolean | 'unknown' | null;
  exitCode: number | null;
  ok: number | null;
  fail: number | null;
  info: number | null;
  hasReport: boolean;
  hasHistory: boolean;
  /** Whether `results/latest` points at this run. */
  latest: boolean;
  logs: string[];
  sortKey: string;
}

/** A comparison or suite folder as listed on the index page. */
export interface GroupEntry {
  path: string;
  kind: 'compare' | 'suite';
  name: string;
  page: string | null;
  sortKey: string;
}

const DEFAULT_MAX_RUNS = 5000;
/** How deep below the results folder run folders are looked for (compare and suite folders nest runs). */
const MAX_DEPTH = 3;
/** results.json files larger than this are not parsed for the listing (the report still reads them). */
const MAX_LISTED_RESULTS_BYTES = 32 * 1024 * 1024;

interface Cached { mtimeMs: number; size: number; value: Record<string, unknown> | null }
const jsonCache = new Map<string, Cached>();

function readJsonCached(path: string, maxBytes: number): Record<string, unknown> | null {
  let st;
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  const c = jsonCache.get(path);
  if (c && c.mtimeMs === st.mtimeMs && c.size === st.size) return c.value;
  let value: Record<string, unknown> | null = null;
  if (st.size <= maxBytes) {
    try {
      const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (v && typeof v === 'object' && !Array.isArray(v)) value = v as Record<string, unknown>;
    } catch {
      value = null;
    }
  }
  if (jsonCache.size > 20_000) jsonCache.clear();
  jsonCache.set(path, { mtimeMs: st.mtimeMs, size: st.size, value });
  return value;
}

function s(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(String).join(', ');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Finds the runs, comparisons and suites under a results folder. */
export function listResults(resultsDir: string, maxRuns = DEFAULT_MAX_RUNS): { runs: RunEntry[]; groups: GroupEntry[] } {
  const runs: RunEntry[] = [];
  const groups: GroupEntry[] = [];
  const root = resolve(resultsDir);
  const seen = new Set<string>();
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    // Real folders first, links (such as `latest`) after them, so each run is listed by its own name.
    const isLink = (n: string) => {
      try {
        return lstatSync(join(dir, n)).isSymbolicLink();
      } catch {
        return false;
      }
    };
    names.sort((a, b) => Number(isLink(a)) - Number(isLink(b)) || (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const full = join(dir, name);
      let st;
      try {
        st = statSync(full);
      } catch {
        continue;
      }
      if (!st.isDirectory()) continue;
      // `latest` and other links point at folders listed anyway: list each folder once.
      let real: string;
      try {
        real = realpathSync(full);
      } catch {
        continue;
      }
      if (seen.has(real)) continue;
      seen.add(real);
      const rel = relative(root, full).split(sep).join('/');
      const has = (f: string) => existsSync(join(full, f));
      if (has('run.json') || has('history.jsonl') || has('results.json')) {
        runs.push(runEntry(full, rel, name, st.mtimeMs));
        continue;
      }
      if (has('compare.json') || has('compare.html')) {
        groups.push({ path: rel, kind: 'compare', name, page: has('compare.html') ? 'compare.html' : null, sortKey: name });
      } else if (has('summary.json') || has('index.html')) {
        groups.push({ path: rel, kind: 'suite', name, page: has('index.html') ? 'index.html' : null, sortKey: name });
      }
      if (depth < MAX_DEPTH) walk(full, depth + 1);
    }
  };
  if (existsSync(root)) walk(root, 1);
  try {
    const latest = realpathSync(join(root, 'latest'));
    for (const r of runs) if (realpathSync(join(root, r.path)) === latest) r.latest = true;
  } catch {
    // No `latest` link: nothing to mark.
  }
  runs.sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0));
  groups.sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0));
  return { runs: runs.slice(0, maxRuns), groups: groups.slice(0, maxRuns) };
}

function runEntry(full: string, rel: string, name: string, mtimeMs: number): RunEntry {
  const run = readJsonCached(join(full, 'run.json'), MAX_LISTED_RESULTS_BYTES) ?? {};
  const results = readJsonCached(join(full, 'results.json'), MAX_LISTED_RESULTS_BYTES) ?? {};
  const stats = (results.stats && typeof results.stats === 'object' ? results.stats : {}) as Record<string, unknown>;
  const v = results.valid;
  let logs: string[] = [];
  try {
    logs = readdirSync(join(full, 'nodes')).filter((f) => f.endsWith('.log')).sort();
  } catch {
    logs = [];
  }
  const startedAt = typeof run.startedAt === 'string' ? run.startedAt : '';
  const num = (x: unknown) => (typeof x === 'number' ? x : null);
  return {
    path: rel,
    name,
    system: s(run.system),
    variant: s(run.variant),
    workload: s(run.workload),
    nemesis: s(run.nemesis),
    seed: s(run.seed),
    startedAt,
    valid: v === true || v === false || v === 'unknown' ? v : null,
    exitCode: num(results.exitCode),
    ok: num(stats.ok),
    fail: num(stats.fail),
    info: num(stats.info),
    latest: false,
    hasReport: existsSync(join(full, 'report.html')),
    hasHistory: existsSync(join(full, 'history.jsonl')),
    logs,
    // Newest first: by start time when run.json has it, else by the folder's time.
    sortKey: startedAt || new Date(mtimeMs).toISOString(),
  };
}

const INDEX_CSS = `
.filters { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; margin: 0 0 10px; }
tr.run td:first-child { border-left: 5px solid var(--pending); }
tr.run.valid td:first-child { border-left-color: var(--good); }
tr.run.invalid td:first-child { border-left-color: var(--bad); }
tr.run.unknown td:first-child { border-left-color: var(--unknown); }
tr.run.invalid { background: #fff5f5; }
td.links a { margin-right: 8px; white-space: nowrap; }
.badge.latest { background: #0969da; font-size: 11px; padding: 1px 7px; }
#count { margin-left: auto; }
`;

const INDEX_JS = `
(function () {
  var sels = ['system', 'variant', 'workload', 'verdict'].map(function (n) { return document.getElementById('f-' + n); });
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr.run'));
  var q = new URLSearchParams(location.search);
  sels.forEach(function (sel) {
    var name = sel.id.slice(2), vals = {};
    rows.forEach(function (r) { vals[r.getAttribute('data-' + name)] = true; });
    Object.keys(vals).sort().forEach(function (v) { var o = document.createElement('option'); o.value = v; o.textContent = v || '(none)'; sel.appendChild(o); });
    if (q.get(name) !== null) sel.value = q.get(name);
    sel.addEventListener('change', apply);
  });
  function apply() {
    var shown = 0, params = new URLSearchParams();
    sels.forEach(function (sel) { if (sel.value !== '*') params.set(sel.id.slice(2), sel.value); });
    rows.forEach(function (r) {
      var ok = sels.every(function (sel) { return sel.value === '*' || r.getAttribute('data-' + sel.id.slice(2)) === sel.value; });
      r.hidden = !ok; if (ok) shown++;
    });
    document.getElementById('count').textContent = shown + ' of ' + rows.length + ' runs';
    var qs = params.toString(); history.replaceState(null, '', qs ? '?' + qs : location.pathname);
  }
  apply();
  document.body.setAttribute('data-rendered', 'true');
})();
`;

function fileHref(path: string): string {
  return '/files/' + path.split('/').map(encodeURIComponent).join('/');
}

function verdictWord(v: RunEntry['valid']): string {
  return v === true ? 'valid' : v === false ? 'invalid' : v === 'unknown' ? 'unknown' : 'none';
}

/** The index page of the results browser. */
export function renderIndexHtml(resultsDir: string, list: { runs: RunEntry[]; groups: GroupEntry[] }): string {
  const e = escapeHtml;
  const rows = list.runs.map((r) => {
    const verdict = verdictWord(r.valid);
    const label = verdict === 'none' ? 'no verdict' : verdict;
    const links = [
      `<a href="${e(fileHref(r.path + '/report.html'))}">report</a>`,
      r.hasHistory ? `<a href="${e(fileHref(r.path + '/history.jsonl'))}">history</a>` : '',
      ...r.logs.map((l) => `<a href="${e(fileHref(r.path + '/nodes/' + l))}">${e(basename(l, '.log'))} log</a>`),
    ].filter(Boolean).join('');
    const counts = r.ok === null ? '' : `${r.ok} / ${r.fail ?? 0} / ${r.info ?? 0}`;
    return `<tr class="run ${verdict}" data-system="${e(r.system)}" data-variant="${e(r.variant)}" data-workload="${e(r.workload)}" data-verdict="${verdict}">`
      + `<td><span class="badge ${verdict}">${e(label)}</span></td>`
      + `<td><a href="${e(fileHref(r.path + '/report.html'))}">${e(r.path)}</a>${r.latest ? ' <span class="badge latest">latest</span>' : ''}<div class="muted">${e(r.startedAt)}</div></td>`
      + `<td>${e(r.system)}</td><td>${e(r.variant)}</td><td>${e(r.workload)}</td><td>${e(r.nemesis)}</td><td class="num">${e(r.seed)}</td>`
      + `<td class="num">${e(counts)}</td><td class="links">${links}</td></tr>`;
  }).join('\n');
  const groups = list.groups.map((g) => `<tr><td>${g.kind}</td><td>${g.page ? `<a href="${e(fileHref(g.path + '/' + g.page))}">${e(g.path)}</a>` : e(g.path)}</td></tr>`).join('\n');
  const sel = (n: string, label: string) => `<label>${label} <select id="f-${n}"><option value="*">all</option></select></label>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>faultline · results</title>
${inlineStyle(BASE_CSS + INDEX_CSS)}
</head><body>
<header class="top"><h1>faultline results</h1><span class="sub">${e(resolve(resultsDir))}</span></header>
<main>
<section class="card"><h2>Runs</h2>
<div class="filters">${sel('system', 'system')}${sel('variant', 'variant')}${sel('workload', 'workload')}${sel('verdict', 'verdict')}<span id="count" class="muted"></span></div>
${list.runs.length === 0 ? '<p class="muted" id="empty">No runs yet. Start one with <code>faultline run</code>.</p>' : ''}
<table class="grid" id="runs"><thead><tr><th>verdict</th><th>run</th><th>system</th><th>variant</th><th>workload</th><th>nemesis</th><th class="num">seed</th><th class="num">ok / fail / info</th><th>files</th></tr></thead>
<tbody>
${rows}
</tbody></table></section>
${list.groups.length ? `<section class="card"><h2>Comparisons and suites</h2><table class="grid" id="groups"><thead><tr><th>kind</th><th>folder</th></tr></thead><tbody>${groups}</tbody></table></section>` : ''}
</main>
${inlineScript(INDEX_JS)}
</body></html>
`;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.edn': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'text/plain; charset=utf-8',
  '.svg': 'text/plain; charset=utf-8',
  '.png': 'image/png',
};

/** Maps a URL path under /files/ to a file inside the results folder, or null when it may not be served. */
export function resolveInside(rootReal: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const parts = decoded.split('/').filter((p) => p !== '');
  if (parts.length === 0 || parts.some((p) => p === '..' || p === '.')) return null;
  const candidate = resolve(rootReal, ...parts);
  if (!candidate.startsWith(rootReal + sep)) return null;
  return candidate;
}

function isInside(rootReal: string, path: string): boolean {
  try {
    const real = realpathSync(path);
    return real === rootReal || real.startsWith(rootReal + sep);
  } catch {
    return false;
  }
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse, resultsDir: string, maxRuns: number): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    send(res, 405, 'method not allowed\n');
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/' || url.pathname === '/index.html') {
    const html = renderIndexHtml(resultsDir, listResults(resultsDir, maxRuns));
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
    });
    res.end(req.method === 'HEAD' ? undefined : html);
    return;
  }
  if (!url.pathname.startsWith('/files/')) {
    send(res, 404, 'not found\n');
    return;
  }
  if (!existsSync(resultsDir)) {
    send(res, 404, 'not found\n');
    return;
  }
  const rootReal = realpathSync(resultsDir);
  const path = resolveInside(rootReal, url.pathname.slice('/files/'.length));
  if (!path) {
    send(res, 400, 'bad path\n');
    return;
  }
  // A run without a report yet (a run still going, or an old one) gets one on first request.
  if (basename(path) === 'report.html' && !existsSync(path)) {
    const runDir = resolve(path, '..');
    if (isInside(rootReal, runDir) && (existsSync(join(runDir, 'history.jsonl')) || existsSync(join(runDir, 'run.json')))) {
      try {
        writeReport(runDir);
      } catch (err) {
        send(res, 500, `could not write the report: ${(err as Error).message}\n`);
        return;
      }
    }
  }
  if (!existsSync(path) || !isInside(rootReal, path)) {
    send(res, 404, 'not found\n');
    return;
  }
  const st = statSync(path);
  if (!st.isFile()) {
    send(res, 404, 'not found\n');
    return;
  }
  const type = TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, { 'content-type': type, 'content-length': st.size, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(path).on('error', () => res.destroy()).pipe(res);
}

/** Starts the results browser; resolves once it listens. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got ${opts.port}`);
  }
  const resultsDir = resolve(opts.resultsDir);
  if (existsSync(resultsDir) && !statSync(resultsDir).isDirectory()) {
    throw new UsageError(`--results-dir ${opts.resultsDir}: not a folder`);
  }
  const maxRuns = opts.maxRuns ?? DEFAULT_MAX_RUNS;
  const server = createServer((req, res) => {
    try {
      handle(req, res, resultsDir, maxRuns);
    } catch (err) {
      if (!res.headersSent) send(res, 500, `internal error: ${(err as Error).message}\n`);
      else res.destroy();
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') fail(new UsageError(`port ${opts.port} on ${host} is in use; choose another with --port`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') fail(new UsageError(`cannot bind --host ${host}: ${err.code}`));
      else fail(err);
    });
    server.listen(opts.port, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    server,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}
