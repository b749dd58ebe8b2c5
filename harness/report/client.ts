/**
 * The script of the run report page, inlined into report.html (it runs in the browser, not Node).
 *
 * It reads the report data from `<script type="application/json" id="report-data">` and builds the
 * page: summary, the timeline (a canvas with one lane per client process, ops as boxes coloured by
 * outcome, nemesis windows shaded, one view per key, zoom and pan, drawing only what is visible),
 * the linearizability witness, transactional anomaly graphs (SVG), latency and throughput plots
 * (uPlot) and the message diagram (SVG). Every value from the run is put into the page with
 * `textContent` or as an SVG text node, never as markup.
 *
 * It is plain ES2020 kept in a string so the build needs no bundler; it avoids template literals so
 * that it can live inside one. `window.faultlineReport` exposes the timeline's geometry so browser
 * tests can check what was drawn.
 */
export const REPORT_CLIENT_JS = String.raw`
(function () {
'use strict';
var T0 = performance.now();
var D = JSON.parse(document.getElementById('report-data').textContent);
var TIMINGS = { scriptStartMs: T0, parseMs: performance.now() - T0 };
var OPS = D.ops;
var N = OPS.lane.length;
var COLORS = ['#3a9d5d', '#d98cb3', '#f0a030', '#9aa0a6'];
var OUTCOME_NAMES = ['ok', 'fail', 'info', 'pending'];
var FAULT_COLORS = { partition: 'rgba(208,2,27,0.10)', kill: 'rgba(60,60,60,0.13)', pause: 'rgba(9,105,218,0.11)', latency: 'rgba(191,135,0,0.13)', clock: 'rgba(130,80,223,0.12)' };
var FAULT_INK = { partition: '#b0001a', kill: '#333', pause: '#0550ae', latency: '#7d4e00', clock: '#6639ba' };
function faultFill(kind) { return FAULT_COLORS[kind] || 'rgba(208,2,27,0.10)'; }
function faultInk(kind) { return FAULT_INK[kind] || '#b0001a'; }

function el(tag, attrs, text) {
  var e = document.createElement(tag);
  if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]);
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function svg(tag, attrs, text) {
  var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function fmtNum(v, digits) {
  if (v === null || v === undefined || typeof v !== 'number' || !isFinite(v)) return '–';
  var d = digits === undefined ? 2 : digits;
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(d);
}
function fmtPct(v) { return (typeof v === 'number' && isFinite(v)) ? (v * 100).toFixed(1) + '%' : '–'; }
function fmtMs(ms) {
  if (!isFinite(ms)) return '–';
  if (ms === 0) return '0 s';
  if (Math.abs(ms) >= 1000) return (ms / 1000).toFixed(3) + ' s';
  if (Math.abs(ms) >= 1) return ms.toFixed(2) + ' ms';
  return (ms * 1000).toFixed(0) + ' µs';
}
// Axis labels with as many decimals as the tick step needs, in s, ms or µs.
function fmtAxis(t, step) {
  var unit = step >= 1000 ? 1000 : step >= 1 ? 1 : 0.001, name = step >= 1000 ? ' s' : step >= 1 ? ' ms' : ' µs';
  var dec = Math.max(0, -Math.floor(Math.log10(step / unit) + 1e-9));
  var v = t / unit;
  if (Math.abs(v) < 1e-9) v = 0;
  return v.toFixed(Math.min(dec, 6)) + name;
}
function verdictText(v) { return v === true ? 'VALID' : v === false ? 'INVALID' : v === 'unknown' ? 'UNKNOWN' : 'NO VERDICT'; }
function verdictClass(v) { return v === true ? 'valid' : v === false ? 'invalid' : v === 'unknown' ? 'unknown' : 'none'; }
function str(v) { if (v === undefined || v === null) return ''; if (typeof v === 'string') return v; try { return JSON.stringify(v); } catch (e) { return String(v); } }

// ---------------------------------------------------------------- summary
function renderSummary() {
  var r = D.run || {};
  document.title = 'faultline · ' + D.title + ' · ' + verdictText(D.valid);
  document.getElementById('title').textContent = D.title;
  var badge = document.getElementById('verdict');
  badge.textContent = verdictText(D.valid);
  badge.className = 'badge ' + verdictClass(D.valid);
  badge.setAttribute('data-verdict', String(D.valid));
  document.getElementById('subtitle').textContent = r.startedAt ? 'started ' + str(r.startedAt) : '';

  var meta = document.getElementById('meta');
  var rows = [
    ['system', r.system], ['variant', r.variant], ['workload', r.workload],
    ['nemesis', Array.isArray(r.nemesis) ? (r.nemesis.length ? r.nemesis.join(', ') : 'none') : r.nemesis],
    ['seed', r.seed], ['nodes', r.nodes], ['concurrency', r.concurrency], ['rate', r.rateOpsPerSec !== undefined ? str(r.rateOpsPerSec) + ' ops/s' : undefined],
    ['time limit', r.timeLimitS !== undefined ? str(r.timeLimitS) + ' s' : undefined], ['duration', fmtMs(D.durationMs)],
    ['exit code', D.exitCode], ['git', r.gitSha]
  ];
  rows.forEach(function (row) {
    if (row[1] === undefined || row[1] === null || row[1] === '') return;
    var tr = el('tr'); tr.appendChild(el('td', null, row[0])); tr.appendChild(el('td', null, str(row[1]))); meta.appendChild(tr);
  });
  var cmd = document.getElementById('repro');
  cmd.textContent = r.command ? str(r.command) : '(run.json has no command)';

  var st = D.stats; var lat = st.latencyMs;
  var stats = document.getElementById('stats');
  [['ok', st.ok], ['fail', st.fail], ['info', st.info], ['never completed', st.pending || 0],
   ['throughput', fmtNum(st.opsPerSec) + ' ok ops/s'],
   ['latency p50 / p95 / p99 / max', fmtNum(lat.p50) + ' / ' + fmtNum(lat.p95) + ' / ' + fmtNum(lat.p99) + ' / ' + fmtNum(lat.max) + ' ms'],
   ['ok rate in faults / outside', fmtPct(st.okRateInFaults) + ' / ' + fmtPct(st.okRateOutsideFaults)],
   ['answered (ok or refused) in faults / outside', fmtPct(st.answeredRateInFaults) + ' / ' + fmtPct(st.answeredRateOutsideFaults)]
  ].forEach(function (row) {
    var tr = el('tr'); tr.appendChild(el('td', null, row[0])); tr.appendChild(el('td', { 'class': 'num' }, str(row[1]))); stats.appendChild(tr);
  });

  var cl = document.getElementById('checkers');
  if (D.runError) {
    var re = el('div', { 'class': 'run-error', id: 'run-error' });
    re.appendChild(el('strong', null, 'The run stopped early: '));
    re.appendChild(el('span', null, D.runError));
    cl.appendChild(re);
  }
  if (D.nemesisErrors.length) {
    var ne = el('div', { 'class': 'warn' }, 'Faults that could not be applied or healed:');
    var nul = el('ul'); D.nemesisErrors.forEach(function (t) { nul.appendChild(el('li', null, t)); }); ne.appendChild(nul);
    cl.appendChild(ne);
  }
  if (D.checkers.length === 0) cl.appendChild(el('p', { 'class': 'muted' }, 'No checker results (results.json is missing or has none).'));
  D.checkers.forEach(function (c) {
    var div = el('div', { 'class': 'checker' });
    var h = el('div', { 'class': 'checker-head' });
    h.appendChild(el('span', { 'class': 'badge ' + verdictClass(c.valid), 'data-checker': c.name }, verdictText(c.valid)));
    h.appendChild(el('strong', null, ' ' + c.name));
    div.appendChild(h);
    if (c.explanation) div.appendChild(el('pre', { 'class': 'explanation' }, c.explanation));
    cl.appendChild(div);
  });
  if (D.firstAnomaly) {
    var fa = D.firstAnomaly;
    var p = el('p', { id: 'first-anomaly' }, 'First anomaly: history event ' + fa.index + (fa.timeMs !== null ? ' at ' + fmtMs(fa.timeMs) : '') + (fa.op >= 0 ? ' — process ' + D.processes[OPS.lane[fa.op]] + ', ' + OPS.desc[fa.op] : ''));
    if (fa.op >= 0) {
      var b = el('button', null, 'show'); b.style.marginLeft = '8px';
      b.addEventListener('click', function () { if (api.timeline) api.timeline.focusOp(fa.op); });
      p.appendChild(b);
    }
    cl.appendChild(p);
  }
  if (D.warnings.length) {
    var w = document.getElementById('warnings');
    w.hidden = false;
    var ul = w.querySelector('ul');
    D.warnings.slice(0, 50).forEach(function (t) { ul.appendChild(el('li', null, t)); });
  }
  var raw = document.getElementById('raw');
  D.checkers.forEach(function (c) {
    var d = el('details'); d.appendChild(el('summary', null, c.name + ' (' + verdictText(c.valid) + ')'));
    var s = ''; try { s = JSON.stringify(c.raw, null, 2) || ''; } catch (e) { s = String(c.raw); }
    if (s.length > 300000) s = s.slice(0, 300000) + '\n… (cut)';
    d.appendChild(el('pre', null, s)); raw.appendChild(d);
  });
  if (!D.checkers.length) raw.appendChild(el('p', { 'class': 'muted' }, 'None.'));
}

// ---------------------------------------------------------------- timeline
function Timeline() {
  var self = this;
  this.canvas = document.getElementById('timeline');
  this.ctx = this.canvas.getContext('2d');
  this.tip = document.getElementById('tip');
  this.keySel = document.getElementById('key-select');
  this.gutter = 78; this.axisH = 26; this.bandH = 16;
  this.views = {};
  this.witness = null;
  this.linPoint = null;
  this.last = { drawnOps: 0, nemesisDrawn: 0, highlighted: -1, prefixDrawn: 0 };

  var opt = el('option', { value: '-1' }, 'all keys (' + N + ' ops)');
  this.keySel.appendChild(opt);
  var counts = new Array(D.keys.length).fill(0);
  for (var i = 0; i < N; i++) {
    if (OPS.key[i] >= 0) counts[OPS.key[i]]++;
    var tk = OPS.txnKeys[i]; if (tk) for (var c = 0; c < tk.length; c++) counts[tk[c]]++;
  }
  var shown = Math.min(D.keys.length, 5000);
  for (var k = 0; k < shown; k++) this.keySel.appendChild(el('option', { value: String(k) }, 'key ' + D.keys[k] + ' (' + counts[k] + ' ops)'));
  var start = -1;
  if (D.lin.length && D.lin[0].keyIndex >= 0) start = D.lin[0].keyIndex;
  this.keySel.value = String(start);
  this.keySel.addEventListener('change', function () { self.setKey(parseInt(self.keySel.value, 10)); });

  document.getElementById('zoom-in').addEventListener('click', function () { self.zoom(0.5, null); });
  document.getElementById('zoom-out').addEventListener('click', function () { self.zoom(2, null); });
  document.getElementById('zoom-fit').addEventListener('click', function () { self.fit(); });
  var jump = document.getElementById('zoom-anomaly');
  if (this.anomalyOp() < 0) jump.hidden = true;
  jump.addEventListener('click', function () { self.focusAnomaly(); });

  var drag = null;
  this.canvas.addEventListener('mousedown', function (e) { drag = { x: e.clientX, t0: self.t0, t1: self.t1 }; self.canvas.style.cursor = 'grabbing'; });
  window.addEventListener('mouseup', function () { drag = null; self.canvas.style.cursor = 'crosshair'; });
  window.addEventListener('mousemove', function (e) {
    if (drag) {
      var dt = (e.clientX - drag.x) / self.plotW() * (drag.t1 - drag.t0);
      self.t0 = drag.t0 - dt; self.t1 = drag.t1 - dt; self.requestDraw();
    }
  });
  this.canvas.addEventListener('mousemove', function (e) { if (!drag) self.hover(e); });
  this.canvas.addEventListener('mouseleave', function () { self.tip.hidden = true; });
  this.canvas.addEventListener('wheel', function (e) {
    e.preventDefault();
    var rect = self.canvas.getBoundingClientRect();
    var x = e.clientX - rect.left;
    self.zoom(e.deltaY > 0 ? 1.25 : 0.8, x >= self.gutter ? self.timeAt(x) : null);
  }, { passive: false });
  this.canvas.addEventListener('dblclick', function () { self.fit(); });
  window.addEventListener('resize', function () { self.resize(); });
  this.setKey(start);
}
Timeline.prototype.anomalyOp = function () {
  if (D.lin.length && D.lin[0].failOp >= 0) return D.lin[0].failOp;
  return D.firstAnomaly ? D.firstAnomaly.op : -1;
};
Timeline.prototype.plotW = function () { return Math.max(10, this.cssW - this.gutter - 8); };
Timeline.prototype.timeAt = function (x) { return this.t0 + (x - this.gutter) / this.plotW() * (this.t1 - this.t0); };
Timeline.prototype.xAt = function (t) { return this.gutter + (t - this.t0) / (this.t1 - this.t0) * this.plotW(); };
// The ops of one view (a key, or all), sorted by start, with the lanes they use. Ops longer than
// the view's "short" bound are kept apart so that finding the visible ones stays a binary search.
Timeline.prototype.view = function (key) {
  if (this.views[key]) return this.views[key];
  var ids = [];
  for (var i = 0; i < N; i++) {
    if (key < 0 || OPS.key[i] === key) ids.push(i);
    else if (OPS.txnKeys[i] && OPS.txnKeys[i].indexOf(key) >= 0) ids.push(i);
  }
  // Ops come in invocation order, which is start order unless times were imported out of order:
  // sort only when needed.
  var sorted = true;
  for (var q = 1; q < ids.length && sorted; q++) if (OPS.startMs[ids[q]] < OPS.startMs[ids[q - 1]]) sorted = false;
  if (!sorted) ids.sort(function (a, b) { return OPS.startMs[a] - OPS.startMs[b]; });
  var durs = new Float64Array(ids.length);
  for (var di = 0; di < ids.length; di++) durs[di] = OPS.endMs[ids[di]] - OPS.startMs[ids[di]];
  durs.sort();
  var bound = durs.length ? Math.max(durs[Math.floor(durs.length * 0.99)] * 2, 1) : 1;
  var shortIds = [], longIds = [];
  ids.forEach(function (i) { ((OPS.endMs[i] - OPS.startMs[i]) <= bound ? shortIds : longIds).push(i); });
  var starts = new Float64Array(shortIds.length);
  for (var j = 0; j < shortIds.length; j++) starts[j] = OPS.startMs[shortIds[j]];
  var laneOfProcess = {}, lanes = [];
  ids.forEach(function (i) { var p = OPS.lane[i]; if (laneOfProcess[p] === undefined) { laneOfProcess[p] = -1; lanes.push(p); } });
  lanes.sort(function (a, b) {
    var pa = Number(D.processes[a]), pb = Number(D.processes[b]);
    return (isFinite(pa) && isFinite(pb)) ? pa - pb : String(D.processes[a]).localeCompare(String(D.processes[b]));
  });
  lanes.forEach(function (p, idx) { laneOfProcess[p] = idx; });
  var v = { key: key, count: ids.length, shortIds: shortIds, starts: starts, longIds: longIds, bound: bound, lanes: lanes, laneOf: laneOfProcess };
  this.views[key] = v;
  return v;
};
Timeline.prototype.setKey = function (key) {
  this.key = key;
  this.v = this.view(key);
  this.witness = null;
  for (var i = 0; i < D.lin.length; i++) {
    var w = D.lin[i];
    if (key < 0 || w.keyIndex === key || w.keyIndex < 0) { this.witness = w; break; }
  }
  this.computeLinPoints();
  this.renderWitness();
  this.resize();
  if (this.witness && this.witness.failOp >= 0) this.focusAnomaly(); else this.fit();
};
Timeline.prototype.resize = function () {
  var wrap = this.canvas.parentNode;
  this.cssW = Math.max(300, wrap.clientWidth);
  var lanes = Math.max(1, this.v.lanes.length);
  this.laneH = Math.max(4, Math.min(26, Math.floor(560 / lanes)));
  this.cssH = this.axisH + this.bandH + lanes * this.laneH + 6;
  var dpr = window.devicePixelRatio || 1;
  this.canvas.width = Math.round(this.cssW * dpr); this.canvas.height = Math.round(this.cssH * dpr);
  this.canvas.style.width = this.cssW + 'px'; this.canvas.style.height = this.cssH + 'px';
  this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (this.t0 === undefined) this.fit(); else this.draw();
};
Timeline.prototype.fit = function () {
  var lo = Infinity, hi = -Infinity, v = this.v;
  if (v.shortIds.length) { lo = v.starts[0]; }
  var all = v.shortIds.concat(v.longIds);
  if (all.length > 200000) { lo = Math.min(lo, 0); hi = D.durationMs; }
  else all.forEach(function (i) { if (OPS.startMs[i] < lo) lo = OPS.startMs[i]; if (OPS.endMs[i] > hi) hi = OPS.endMs[i]; });
  if (!isFinite(lo)) { lo = 0; hi = D.durationMs; }
  var pad = (hi - lo) * 0.02 || 1;
  this.t0 = lo >= 0 ? Math.max(0, lo - pad) : lo - pad; this.t1 = hi + pad; this.requestDraw();
};
Timeline.prototype.zoom = function (factor, at) {
  var c = at === null ? (this.t0 + this.t1) / 2 : at;
  var span = Math.max((this.t1 - this.t0) * factor, 0.001);
  var f = (c - this.t0) / (this.t1 - this.t0);
  this.t0 = c - f * span; this.t1 = this.t0 + span; this.requestDraw();
};
Timeline.prototype.focusAnomaly = function () {
  var op = this.anomalyOp();
  if (op < 0) return;
  if (this.key >= 0 && OPS.key[op] !== this.key && OPS.key[op] >= 0) { this.keySel.value = String(OPS.key[op]); this.setKey(OPS.key[op]); return; }
  var s = OPS.startMs[op], e = OPS.endMs[op];
  var lo = s, hi = e;
  // Show the failing op with the tail of the prefix before it, so its context is on screen.
  var w = this.witness;
  if (w && w.prefix.length) {
    var from = Math.max(0, w.prefix.length - 12);
    for (var i = from; i < w.prefix.length; i++) { lo = Math.min(lo, OPS.startMs[w.prefix[i].op]); hi = Math.max(hi, OPS.endMs[w.prefix[i].op]); }
  }
  var span = Math.max(hi - lo, (e - s) * 4, 1);
  this.t0 = lo - span * 0.15; this.t1 = hi + span * 0.15; this.requestDraw();
};
// Shows one op: its key's view, zoomed around it, framed in blue until another op is chosen.
Timeline.prototype.focusOp = function (op) {
  if (op < 0 || op >= N) return;
  this.selected = op;
  var key = OPS.key[op], inView = this.key < 0 || key === this.key || (OPS.txnKeys[op] && OPS.txnKeys[op].indexOf(this.key) >= 0);
  if (!inView) { this.keySel.value = String(key); this.setKey(key); }
  var s = OPS.startMs[op], e = OPS.endMs[op], span = Math.max((e - s) * 6, 2);
  this.t0 = s - span / 2; this.t1 = e + span / 2; this.requestDraw();
  this.canvas.scrollIntoView({ block: 'center' });
};
Timeline.prototype.requestDraw = function () {
  var self = this;
  if (this.pending) return;
  this.pending = true;
  requestAnimationFrame(function () { self.pending = false; self.draw(); });
};
// Visible ops of the current view: short ops by binary search on start, long ops by a scan.
Timeline.prototype.visible = function (t0, t1, fn) {
  var v = this.v, s = v.starts, lo = 0, hi = s.length, from = t0 - v.bound;
  while (lo < hi) { var m = (lo + hi) >> 1; if (s[m] < from) lo = m + 1; else hi = m; }
  for (var j = lo; j < s.length && s[j] <= t1; j++) { var i = v.shortIds[j]; if (OPS.endMs[i] >= t0) fn(i); }
  for (var k = 0; k < v.longIds.length; k++) { var id = v.longIds[k]; if (OPS.startMs[id] <= t1 && OPS.endMs[id] >= t0) fn(id); }
};
Timeline.prototype.opRect = function (i) {
  var lane = this.v.laneOf[OPS.lane[i]];
  if (lane === undefined || lane < 0) return null;
  var x0 = this.xAt(OPS.startMs[i]), x1 = this.xAt(OPS.endMs[i]);
  var y = this.axisH + this.bandH + lane * this.laneH;
  var pad = this.laneH > 8 ? 2 : 0;
  return { x: x0, y: y + pad, w: Math.max(x1 - x0, 1.5), h: Math.max(this.laneH - 2 * pad, 2) };
};
Timeline.prototype.computeLinPoints = function () {
  this.linPoint = {};
  this.linOrder = {};
  var w = this.witness;
  if (!w) return;
  // A linearization point lies inside its op's interval and after the previous op's point: take
  // the earliest such instant, which exists because the prefix is a valid linearization.
  var prev = -Infinity;
  for (var i = 0; i < w.prefix.length; i++) {
    var op = w.prefix[i].op;
    var p = Math.max(OPS.startMs[op], prev);
    if (p > OPS.endMs[op]) p = OPS.endMs[op];
    this.linPoint[op] = p; this.linOrder[op] = i; prev = p;
  }
};
Timeline.prototype.draw = function () {
  var drawStart = performance.now();
  var ctx = this.ctx, W = this.cssW, H = this.cssH, self = this, v = this.v;
  var top = this.axisH + this.bandH, t0 = this.t0, t1 = this.t1;
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, H);
  // Lanes.
  ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle';
  for (var l = 0; l < v.lanes.length; l++) {
    var y = top + l * this.laneH;
    if (l % 2 === 1) { ctx.fillStyle = '#f6f8fa'; ctx.fillRect(this.gutter, y, W - this.gutter, this.laneH); }
    if (this.laneH >= 10) { ctx.fillStyle = '#57606a'; ctx.fillText('p ' + D.processes[v.lanes[l]], 6, y + this.laneH / 2); }
  }
  var nem = 0;
  ctx.save(); ctx.beginPath(); ctx.rect(this.gutter, 0, W - this.gutter, H); ctx.clip();
  // Ops: batched into one path per outcome, which is what keeps 100k boxes fast.
  var paths = [new Path2D(), new Path2D(), new Path2D(), new Path2D()];
  var drawn = 0, labels = [];
  this.visible(t0, t1, function (i) {
    var r = self.opRect(i); if (!r) return;
    paths[OPS.outcome[i]].rect(r.x, r.y, r.w, r.h); drawn++;
    if (r.w > 46 && self.laneH >= 14 && labels.length < 3000) labels.push([i, r]);
  });
  for (var o = 0; o < 4; o++) { ctx.fillStyle = COLORS[o]; ctx.fill(paths[o]); }
  ctx.fillStyle = '#fff';
  labels.forEach(function (lr) {
    var r = lr[1];
    ctx.save(); ctx.beginPath(); ctx.rect(r.x, r.y, r.w, r.h); ctx.clip();
    ctx.fillStyle = OPS.outcome[lr[0]] === 0 ? '#fff' : '#1f2328';
    ctx.fillText(OPS.desc[lr[0]], Math.max(r.x, self.gutter) + 3, r.y + r.h / 2); ctx.restore();
  });
  // Nemesis windows, shaded over every lane (over the ops, so dense lanes still show them) and
  // labelled in the band above.
  D.nemesis.forEach(function (w) {
    if (w.endMs < t0 || w.startMs > t1) return;
    var x0 = self.xAt(w.startMs), x1 = Math.max(self.xAt(w.endMs), x0 + 2);
    ctx.fillStyle = faultFill(w.kind); ctx.fillRect(x0, self.axisH, x1 - x0, H - self.axisH);
    ctx.fillStyle = faultInk(w.kind); ctx.fillRect(x0, self.axisH, x1 - x0, 3);
    var label = w.detail && w.detail.indexOf(w.kind) === 0 ? w.detail : w.kind + (w.detail ? ': ' + w.detail : '');
    if (x1 - x0 > 30) {
      ctx.save(); ctx.beginPath(); ctx.rect(x0, self.axisH, x1 - x0, self.bandH); ctx.clip();
      ctx.fillText(label, Math.max(x0, self.gutter) + 3, self.axisH + 10); ctx.restore();
    }
    nem++;
  });
  // The linearizable prefix: each op outlined, its linearization point marked, points joined in order.
  var pref = 0;
  if (this.witness) {
    var w = this.witness, pts = [];
    ctx.strokeStyle = '#1f2328'; ctx.lineWidth = 1;
    for (var k = 0; k < w.prefix.length; k++) {
      var op = w.prefix[k].op, r = this.opRect(op);
      if (!r || OPS.endMs[op] < t0 || OPS.startMs[op] > t1) { pts.push(null); continue; }
      ctx.strokeRect(r.x + 0.5, r.y + 0.5, r.w - 1, r.h - 1);
      pts.push([this.xAt(this.linPoint[op]), r.y + r.h / 2]);
      pref++;
    }
    ctx.strokeStyle = 'rgba(102,57,186,0.75)'; ctx.lineWidth = 1.5; ctx.beginPath();
    var started = false;
    pts.forEach(function (p) { if (!p) { started = false; return; } if (!started) { ctx.moveTo(p[0], p[1]); started = true; } else ctx.lineTo(p[0], p[1]); });
    ctx.stroke();
    ctx.fillStyle = '#6639ba';
    pts.forEach(function (p, idx) {
      if (!p) return;
      ctx.beginPath(); ctx.moveTo(p[0], p[1] - 5); ctx.lineTo(p[0] + 4, p[1]); ctx.lineTo(p[0], p[1] + 5); ctx.lineTo(p[0] - 4, p[1]); ctx.closePath(); ctx.fill();
    });
  }
  // The op that cannot be linearized (or the first anomaly): a thick red frame and a label.
  var hl = -1, aop = this.anomalyOp();
  if (aop >= 0 && OPS.endMs[aop] >= t0 && OPS.startMs[aop] <= t1) {
    var ar = this.opRect(aop);
    if (ar) {
      hl = aop;
      ctx.fillStyle = 'rgba(208,2,27,0.25)'; ctx.fillRect(ar.x, ar.y, ar.w, ar.h);
      ctx.strokeStyle = '#d0021b'; ctx.lineWidth = 3; ctx.strokeRect(ar.x - 1.5, ar.y - 1.5, ar.w + 3, ar.h + 3);
      ctx.fillStyle = '#d0021b'; ctx.font = 'bold 11px system-ui, sans-serif';
      var label = this.witness && this.witness.failOp === aop ? 'cannot be linearized' : 'first anomaly';
      ctx.fillText(label, Math.max(ar.x, this.gutter + 2), Math.max(ar.y - 8, this.axisH + this.bandH - 6));
      ctx.font = '11px system-ui, sans-serif';
    }
  }
  if (this.selected !== undefined && this.selected >= 0 && this.selected !== hl) {
    var sr = this.opRect(this.selected);
    if (sr && OPS.endMs[this.selected] >= t0 && OPS.startMs[this.selected] <= t1) {
      ctx.strokeStyle = '#0969da'; ctx.lineWidth = 3; ctx.strokeRect(sr.x - 1.5, sr.y - 1.5, sr.w + 3, sr.h + 3);
    }
  }
  ctx.restore();
  // Time axis.
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, this.axisH);
  ctx.strokeStyle = '#d0d7de'; ctx.lineWidth = 1; ctx.beginPath(); ctx.moveTo(this.gutter, this.axisH - 0.5); ctx.lineTo(W, this.axisH - 0.5); ctx.stroke();
  var span = t1 - t0, step = Math.pow(10, Math.floor(Math.log10(span / 8)));
  if (span / step > 16) step *= 5; else if (span / step > 8) step *= 2;
  ctx.fillStyle = '#57606a'; ctx.textBaseline = 'middle';
  for (var t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    var x = this.xAt(t);
    ctx.fillRect(x, this.axisH - 5, 1, 5);
    ctx.fillText(fmtAxis(t, step), x + 2, 11);
  }
  this.last = { drawnOps: drawn, nemesisDrawn: nem, highlighted: hl, prefixDrawn: pref };
  // The first draw comes after every section was built: the moment the first view is complete.
  if (api.firstDrawMs === undefined) { api.firstDrawMs = performance.now(); TIMINGS.firstDrawMs = api.firstDrawMs - drawStart; }
  this.canvas.setAttribute('data-drawn-ops', String(drawn));
  this.canvas.setAttribute('data-nemesis-drawn', String(nem));
  this.canvas.setAttribute('data-highlighted-op', String(hl));
  document.getElementById('timeline-status').textContent = drawn + ' ops drawn of ' + v.count + ' in this view · ' + fmtMs(t0) + ' – ' + fmtMs(t1) + ' · scroll to zoom, drag to pan, double-click to fit';
};
Timeline.prototype.hover = function (e) {
  var rect = this.canvas.getBoundingClientRect();
  var x = e.clientX - rect.left, y = e.clientY - rect.top;
  var lane = Math.floor((y - this.axisH - this.bandH) / this.laneH);
  if (x < this.gutter || lane < 0 || lane >= this.v.lanes.length) { this.tip.hidden = true; return; }
  var t = this.timeAt(x), eps = 3 / this.plotW() * (this.t1 - this.t0), proc = this.v.lanes[lane], best = -1, self = this;
  this.visible(t - eps, t + eps, function (i) { if (OPS.lane[i] === proc && (best < 0 || OPS.startMs[i] > OPS.startMs[best])) best = i; });
  if (best < 0) { this.tip.hidden = true; return; }
  this.showTip(best, e.clientX, e.clientY);
};
Timeline.prototype.showTip = function (i, cx, cy) {
  var tip = this.tip;
  while (tip.firstChild) tip.removeChild(tip.firstChild);
  tip.appendChild(el('div', { 'class': 'tip-title' }, OPS.desc[i]));
  var lines = [
    ['process', D.processes[OPS.lane[i]]], ['outcome', OUTCOME_NAMES[OPS.outcome[i]]],
    ['key', OPS.key[i] >= 0 ? D.keys[OPS.key[i]] : ''],
    ['invoked', fmtMs(OPS.startMs[i]) + ' (event ' + OPS.invokeIndex[i] + ')'],
    ['completed', OPS.completeIndex[i] >= 0 ? fmtMs(OPS.endMs[i]) + ' (event ' + OPS.completeIndex[i] + ')' : 'never'],
    ['latency', OPS.completeIndex[i] >= 0 ? fmtMs(OPS.endMs[i] - OPS.startMs[i]) : ''],
    ['node', OPS.node[i]], ['error', OPS.error[i]]
  ];
  var w = this.witness;
  if (w && this.linOrder[i] !== undefined) {
    var step = w.prefix[this.linOrder[i]];
    lines.push(['linearized', '#' + (w.prefixOmitted + this.linOrder[i] + 1) + ' of ' + (w.prefixOmitted + w.prefix.length) + ' at ' + fmtMs(this.linPoint[i])]);
    lines.push(['state before', step.before === null ? '?' : step.before]);
    lines.push(['state after', step.after === null ? '?' : step.after]);
  }
  if (w && w.failOp === i) {
    lines.push(['', 'cannot be linearized after the prefix']);
    if (w.finalStates.length) lines.push(['model states there', w.finalStates.join(' | ')]);
  }
  var tb = el('table', { 'class': 'kv' });
  lines.forEach(function (l) { if (l[1] === '' || l[1] === undefined) return; var tr = el('tr'); tr.appendChild(el('td', null, l[0])); tr.appendChild(el('td', null, l[1])); tb.appendChild(tr); });
  tip.appendChild(tb);
  tip.hidden = false;
  var tw = tip.offsetWidth, th = tip.offsetHeight;
  var left = cx + 14, topPx = cy + 14;
  if (left + tw > window.innerWidth - 8) left = cx - tw - 14;
  if (topPx + th > window.innerHeight - 8) topPx = cy - th - 14;
  tip.style.left = Math.max(4, left) + 'px'; tip.style.top = Math.max(4, topPx) + 'px';
};
Timeline.prototype.renderWitness = function () {
  var box = document.getElementById('witness');
  while (box.firstChild) box.removeChild(box.firstChild);
  var sec = document.getElementById('witness-card');
  if (!D.lin.length) { sec.hidden = true; return; }
  sec.hidden = false;
  var self = this;
  D.lin.forEach(function (w, wi) {
    var div = el('div', { 'class': 'witness' });
    div.appendChild(el('h3', null, (w.key !== null ? 'Key ' + w.key : 'The whole history') + ' (checker: ' + w.checker + ')'));
    if (w.failOp >= 0) {
      var f = w.failOp;
      var p = el('p', { 'class': 'fail-op' });
      p.appendChild(el('strong', null, 'Cannot be linearized: '));
      p.appendChild(el('span', null, 'process ' + D.processes[OPS.lane[f]] + ' ' + OPS.desc[f] + ' (' + OUTCOME_NAMES[OPS.outcome[f]] + ', ' + fmtMs(OPS.startMs[f]) + ' – ' + fmtMs(OPS.endMs[f]) + ')'));
      var b = el('button', null, 'show'); b.addEventListener('click', function () {
        if (w.keyIndex >= 0) { self.keySel.value = String(w.keyIndex); self.setKey(w.keyIndex); } else self.focusAnomaly();
        self.canvas.scrollIntoView({ block: 'center' });
      });
      p.appendChild(b); div.appendChild(p);
    }
    if (w.finalStates.length) div.appendChild(el('p', null, 'Model state after the prefix: ' + w.finalStates.join(' | ')));
    if (w.candidates.length) {
      var cd = el('details');
      cd.appendChild(el('summary', null, 'What could come next, and why none of it leads anywhere (' + w.candidates.length + ')'));
      var ct = el('table', { 'class': 'grid' }); var ch = el('tr');
      ['process', 'op', 'outcome', 'state it would lead to'].forEach(function (h) { ch.appendChild(el('th', null, h)); }); ct.appendChild(ch);
      w.candidates.forEach(function (c) {
        var tr = el('tr');
        [c.op >= 0 ? D.processes[OPS.lane[c.op]] : '', c.desc, c.outcome, c.stateAfter === null ? '' : c.stateAfter].forEach(function (x) { tr.appendChild(el('td', null, x)); });
        ct.appendChild(tr);
      });
      cd.appendChild(ct); div.appendChild(cd);
    }
    if (w.text) div.appendChild(el('pre', null, w.text));
    var d = null;
    if (w.prefix.length) {
      d = el('details'); if (wi === 0) d.open = true;
      d.appendChild(el('summary', null, 'Longest linearizable prefix: ' + (w.prefix.length + w.prefixOmitted) + ' ops, in linearization order'));
      var t = el('table', { 'class': 'grid' }); var hr = el('tr');
      ['#', 'process', 'op', 'state before', 'state after'].forEach(function (h) { hr.appendChild(el('th', null, h)); }); t.appendChild(hr);
      var from = Math.max(0, w.prefix.length - 200);
      if (w.prefixOmitted > 0) { var tro = el('tr'); tro.appendChild(el('td', { colspan: '5', 'class': 'muted' }, '… ' + w.prefixOmitted + ' earlier ops of the prefix are not kept in the result')); t.appendChild(tro); }
      if (from > 0) { var tr0 = el('tr'); tr0.appendChild(el('td', { colspan: '5', 'class': 'muted' }, '… ' + from + ' earlier ops')); t.appendChild(tr0); }
      for (var i = from; i < w.prefix.length; i++) {
        var s = w.prefix[i], tr = el('tr');
        [String(w.prefixOmitted + i + 1), D.processes[OPS.lane[s.op]], OPS.desc[s.op], s.before === null ? '' : s.before, s.after === null ? '' : s.after].forEach(function (c) { tr.appendChild(el('td', null, c)); });
        t.appendChild(tr);
      }
      d.appendChild(t); div.appendChild(d);
    }
    box.appendChild(div);
    // The end of the prefix, next to the failing op, is what matters: show it first.
    if (d && d.open) requestAnimationFrame(function () { d.scrollTop = d.scrollHeight; });
  });
};

// ---------------------------------------------------------------- anomaly graphs
function renderAnomalies() {
  var sec = document.getElementById('anomalies-card');
  if (!D.anomalies.length) { sec.hidden = true; return; }
  sec.hidden = false;
  var box = document.getElementById('anomalies');
  D.anomalies.forEach(function (a, ai) {
    var div = el('div', { 'class': 'anomaly' });
    div.appendChild(el('h3', null, a.type + ' — ' + a.checker));
    var n = a.nodes.length, s = null;
    if (n > 0) {
      // A big cycle puts the txn labels beside its nodes, shorter, outside the ring: above and
      // below, as for small cycles, they would run into the neighbouring nodes and their labels.
      var big = n > 4, maxChars = big ? 24 : 44, sideW = big ? maxChars * 6.2 + 40 : 0;
      // The ring is large enough that an edge's label fits between the two nodes it joins.
      var labelW = function (e) { return e.label.length * 7.2 + 8; };
      var widest = a.edges.reduce(function (m, e) { return Math.max(m, labelW(e)); }, 0);
      var fitR = big ? Math.min(400, (60 + widest) / (2 * Math.sin(Math.PI / n))) : 0;
      var R = n === 1 ? 0 : Math.max(90, Math.min(170, 40 * n), 10 * n, fitR), W = Math.max(520, 2 * R + 2 * sideW), H = 2 * R + 110, cx = W / 2, cy = H / 2 + 8;
      s = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, 'class': 'cycle' });
      var defs = svg('defs'); var mk = svg('marker', { id: 'arrow' + ai, viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' });
      mk.appendChild(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#57606a' })); defs.appendChild(mk); s.appendChild(defs);
      var pos = {};
      a.nodes.forEach(function (nd, i) { var ang = -Math.PI / 2 + 2 * Math.PI * i / n; pos[nd.id] = [cx + R * Math.cos(ang), cy + R * Math.sin(ang)]; });
      a.edges.forEach(function (e) {
        var p = pos[e.from], q = pos[e.to]; if (!p || !q) return;
        var dx = q[0] - p[0], dy = q[1] - p[1], len = Math.sqrt(dx * dx + dy * dy) || 1, ux = dx / len, uy = dy / len;
        var sx = p[0] + ux * 26, sy = p[1] + uy * 16, ex = q[0] - ux * 28, ey = q[1] - uy * 18;
        // Bend each edge outward a little so that a pair of opposite edges does not overlap. The
        // label sits at the curve's middle, half the bend off the straight line: a pair of opposite
        // edges (every 2-transaction cycle) is bent far enough that its two labels sit side by side.
        var back = a.edges.filter(function (o) { return o.from === e.to && o.to === e.from; })[0];
        var bend = back ? Math.max(22, (labelW(e) + labelW(back)) / 2 + 8) : 22;
        var mx = (sx + ex) / 2 - uy * bend, my = (sy + ey) / 2 + ux * bend;
        s.appendChild(svg('path', { d: 'M ' + sx + ' ' + sy + ' Q ' + mx + ' ' + my + ' ' + ex + ' ' + ey, fill: 'none', stroke: '#57606a', 'stroke-width': '1.5', 'marker-end': 'url(#arrow' + ai + ')' }));
        var lx = (sx + 2 * mx + ex) / 4, ly = (sy + 2 * my + ey) / 4;
        s.appendChild(svg('rect', { x: lx - labelW(e) / 2, y: ly - 9, width: labelW(e), height: 17, rx: 4, fill: '#fff8c5', stroke: '#d4a72c', 'class': 'edge-label' }));
        s.appendChild(svg('text', { x: lx, y: ly + 4, 'text-anchor': 'middle', 'font-size': '12', 'font-weight': '600', fill: '#7d4e00' }, e.label));
      });
      a.nodes.forEach(function (nd) {
        var p = pos[nd.id];
        var g = svg('g');
        g.appendChild(svg('rect', { x: p[0] - 26, y: p[1] - 15, width: 52, height: 30, rx: 8, fill: '#ddf4ff', stroke: '#0969da' }));
        g.appendChild(svg('text', { x: p[0], y: p[1] + 5, 'text-anchor': 'middle', 'font-size': '13', 'font-weight': '700', fill: '#0550ae' }, nd.id.length > 7 ? nd.id.slice(0, 7) : nd.id));
        if (nd.label) {
          var lab = nd.label.length > maxChars ? nd.label.slice(0, maxChars - 1) + '…' : nd.label;
          // Labels go on the outer side of the ring, away from the edges inside it.
          var above = p[1] < cy - 1, side = big ? (p[0] - cx) / (R || 1) : 0;
          var at = side > 0.35 ? { x: p[0] + 32, y: p[1] + 4, 'text-anchor': 'start' }
            : side < -0.35 ? { x: p[0] - 32, y: p[1] + 4, 'text-anchor': 'end' }
              : { x: p[0], y: above ? p[1] - 21 : p[1] + 30, 'text-anchor': 'middle' };
          g.appendChild(svg('text', Object.assign(at, { 'font-size': '11', fill: '#57606a', 'class': 'txn-label' }), lab));
        }
        var title = svg('title', null, nd.id + (nd.label ? ': ' + nd.label : '') + (nd.op >= 0 ? ' (click: show it in the timeline)' : '')); g.appendChild(title);
        if (nd.op >= 0) {
          g.setAttribute('class', 'txn-node'); g.style.cursor = 'pointer';
          g.addEventListener('click', (function (op) { return function () { if (api.timeline) api.timeline.focusOp(op); }; })(nd.op));
        }
        s.appendChild(g);
      });
    }
    var body = el('div', { 'class': 'row' });
    if (n > 0) body.appendChild(s);
    if (a.sentence) body.appendChild(el('pre', { 'class': 'sentence' }, a.sentence));
    div.appendChild(body);
    box.appendChild(div);
  });
}

// ---------------------------------------------------------------- plots
function nemesisShade(u) {
  var ctx = u.ctx, b = u.bbox;
  ctx.save();
  D.nemesis.forEach(function (w) {
    var x0 = u.valToPos(w.startMs / 1000, 'x', true), x1 = u.valToPos(w.endMs / 1000, 'x', true);
    var l = Math.max(b.left, x0), r = Math.min(b.left + b.width, Math.max(x1, x0 + 2));
    if (r <= l) return;
    ctx.fillStyle = faultFill(w.kind); ctx.fillRect(l, b.top, r - l, b.height);
  });
  ctx.restore();
}
function renderPlots() {
  if (typeof uPlot === 'undefined') { document.getElementById('plots').textContent = 'uPlot did not load.'; return; }
  var done = [];
  for (var i = 0; i < N; i++) if (OPS.completeIndex[i] >= 0) done.push(i);
  done.sort(function (a, b) { return OPS.endMs[a] - OPS.endMs[b]; });
  var xs = new Array(done.length), ys = [new Array(done.length), new Array(done.length), new Array(done.length)];
  done.forEach(function (op, j) {
    xs[j] = OPS.endMs[op] / 1000;
    var lat = Math.max(OPS.endMs[op] - OPS.startMs[op], 0.001);
    for (var o = 0; o < 3; o++) ys[o][j] = OPS.outcome[op] === o ? lat : null;
  });
  var width = Math.max(300, document.getElementById('plots').clientWidth - 10);
  var common = { width: width, height: 260, cursor: { sync: { key: 'faultline' } }, plugins: [{ hooks: { drawClear: [nemesisShade] } }] };
  // uPlot draws each point as a circle path, which takes seconds for 100k ops; the scatter is drawn
  // here instead as small squares, only for the points inside the visible x range.
  var scatter = function (u) {
    var ctx = u.ctx, b = u.bbox, d = u.data, xsd = d[0], n = xsd.length;
    var sz = Math.max(2, Math.round(2.5 * (window.devicePixelRatio || 1))), half = sz / 2;
    var xmin = u.scales.x.min, xmax = u.scales.x.max, lo = 0, hi = n;
    while (lo < hi) { var m = (lo + hi) >> 1; if (xsd[m] < xmin) lo = m + 1; else hi = m; }
    ctx.save(); ctx.beginPath(); ctx.rect(b.left, b.top, b.width, b.height); ctx.clip();
    for (var si = 1; si <= 3; si++) {
      if (!u.series[si].show) continue;
      var ys = d[si]; ctx.fillStyle = COLORS[si - 1];
      for (var j = lo; j < n && xsd[j] <= xmax; j++) {
        var v = ys[j]; if (v === null) continue;
        ctx.fillRect(Math.round(u.valToPos(xsd[j], 'x', true) - half), Math.round(u.valToPos(v, 'y', true) - half), sz, sz);
      }
    }
    ctx.restore();
  };
  var noPath = function () { return null; };
  var latOpts = Object.assign({}, common, {
    title: 'Latency per op (ms, log scale) by completion time (s)',
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [{ label: 'time (s)' }, { label: 'latency (ms)' }],
    plugins: [{ hooks: { drawClear: [nemesisShade], draw: [scatter] } }],
    series: [{ label: 't (s)' },
      { label: 'ok', stroke: COLORS[0], fill: COLORS[0], paths: noPath, points: { show: false } },
      { label: 'fail', stroke: COLORS[1], fill: COLORS[1], paths: noPath, points: { show: false } },
      { label: 'info', stroke: COLORS[2], fill: COLORS[2], paths: noPath, points: { show: false } }]
  });
  if (done.length) new uPlot(latOpts, [xs, ys[0], ys[1], ys[2]], document.getElementById('plot-latency'));
  else document.getElementById('plot-latency').textContent = 'No completed ops.';
  // Throughput: completions per second in about 150 bins.
  var durS = Math.max(D.durationMs / 1000, 0.001), bin = durS / 150, steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
  for (var si = 0; si < steps.length; si++) if (steps[si] >= bin) { bin = steps[si]; break; }
  var nb = Math.ceil(durS / bin) + 1, tx = [], tc = [[], [], []];
  for (var b = 0; b < nb; b++) { tx.push(b * bin); tc[0].push(0); tc[1].push(0); tc[2].push(0); }
  done.forEach(function (op) { var bi = Math.min(nb - 1, Math.floor(OPS.endMs[op] / 1000 / bin)); tc[OPS.outcome[op]][bi] += 1 / bin; });
  var thrOpts = Object.assign({}, common, {
    title: 'Throughput (completed ops/s, bins of ' + bin + ' s)',
    scales: { x: { time: false } },
    axes: [{ label: 'time (s)' }, { label: 'ops/s' }],
    series: [{ label: 't (s)' },
      { label: 'ok', stroke: COLORS[0], width: 1.5, fill: 'rgba(58,157,93,0.12)' },
      { label: 'fail', stroke: COLORS[1], width: 1.5 },
      { label: 'info', stroke: COLORS[2], width: 1.5 }]
  });
  new uPlot(thrOpts, [tx, tc[0], tc[1], tc[2]], document.getElementById('plot-throughput'));
}

// ---------------------------------------------------------------- message diagram
function MessageDiagram() {
  var sec = document.getElementById('messages-card');
  if (!D.messages.length) { sec.hidden = true; return; }
  var self = this;
  this.box = document.getElementById('messages');
  this.startIn = document.getElementById('msg-start');
  this.lenIn = document.getElementById('msg-len');
  this.msgs = D.messages.map(function (m) { var t = m.sendMs !== null ? m.sendMs : m.recvMs; return { m: m, t: t }; }).sort(function (a, b) { return a.t - b.t; });
  var nodes = D.nodes.slice();
  D.messages.forEach(function (m) { if (nodes.indexOf(m.from) < 0) nodes.push(m.from); if (nodes.indexOf(m.to) < 0) nodes.push(m.to); });
  this.nodes = nodes;
  var start = this.msgs[0].t;
  if (D.firstAnomaly && D.firstAnomaly.timeMs !== null) start = Math.max(start, D.firstAnomaly.timeMs - 50);
  var j = 0; while (j < this.msgs.length && this.msgs[j].t < start) j++;
  // A window of about two dozen messages is what stays readable with every arrow labelled.
  var k = Math.min(this.msgs.length - 1, j + 24);
  var len = Math.max(1, Math.min(500, (this.msgs[k] ? this.msgs[k].t : start) - start));
  this.startIn.value = (start / 1000).toFixed(3);
  this.lenIn.value = String(Math.ceil(len));
  this.scaleSel = document.getElementById('msg-scale');
  document.getElementById('msg-draw').addEventListener('click', function () { self.draw(); });
  this.scaleSel.addEventListener('change', function () { self.draw(); });
  this.draw();
}
MessageDiagram.prototype.draw = function () {
  var t0 = parseFloat(this.startIn.value) * 1000, len = Math.max(0.001, parseFloat(this.lenIn.value));
  if (!isFinite(t0)) t0 = 0; if (!isFinite(len)) len = 100;
  var t1 = t0 + len, nodes = this.nodes, colW = 190, W = Math.max(420, nodes.length * colW + 60), top = 40;
  var byOrder = this.scaleSel.value === 'order';
  var x = function (n) { return 80 + nodes.indexOf(n) * colW; };
  var inWin = this.msgs.filter(function (e) { var m = e.m; var a = m.sendMs !== null ? m.sendMs : m.recvMs, b = m.recvMs !== null ? m.recvMs : m.sendMs; return b >= t0 && a <= t1; });
  var total = inWin.length, MAX = byOrder ? 200 : 800;
  var shownMsgs = inWin.slice(0, MAX).map(function (e) { return e.m; });
  // Two vertical scales: real time, where arrows are as steep as the network is slow; and event
  // order (Lamport's view), one row per send or receive, where every arrow can be read even when
  // messages take microseconds and are sent milliseconds apart.
  var H, y, ticks = [];
  if (byOrder) {
    var times = [];
    shownMsgs.forEach(function (m) { if (m.sendMs !== null) times.push(m.sendMs); if (m.recvMs !== null) times.push(m.recvMs); });
    times.sort(function (a, b) { return a - b; });
    var ROW = 15;
    H = Math.max(260, top + (times.length + 2) * ROW);
    y = function (t) {
      var lo = 0, hi = times.length;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (times[mid] < t) lo = mid + 1; else hi = mid; }
      if (lo < times.length && times[lo] === t) return top + (lo + 1) * ROW;
      if (lo === 0) return top + ROW * 0.5;
      if (lo >= times.length) return top + (times.length + 0.5) * ROW;
      var f = (t - times[lo - 1]) / (times[lo] - times[lo - 1]);
      return top + (lo + f) * ROW;
    };
    var every = Math.max(1, Math.ceil(times.length / 30));
    for (var ti = 0; ti < times.length; ti += every) ticks.push(times[ti]);
  } else {
    H = 640;
    y = function (t) { return top + (t - t0) / len * (H - 10 - top); };
    for (var tk = 0; tk <= 5; tk++) ticks.push(t0 + len * tk / 5);
  }
  var bottom = H - 10;
  while (this.box.firstChild) this.box.removeChild(this.box.firstChild);
  var s = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, 'class': 'lamport' });
  var defs = svg('defs'); var mk = svg('marker', { id: 'marrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '6', markerHeight: '6', orient: 'auto-start-reverse' });
  mk.appendChild(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#0969da' })); defs.appendChild(mk); s.appendChild(defs);
  D.nemesis.forEach(function (w) {
    if (w.endMs < t0 || w.startMs > t1) return;
    var a = Math.max(top - 6, y(Math.max(w.startMs, t0))), b = Math.min(bottom, y(Math.min(w.endMs, t1)));
    if (byOrder && w.endMs >= t1) b = bottom;
    if (byOrder && w.startMs <= t0) a = top - 6;
    s.appendChild(svg('rect', { x: 0, y: a, width: W, height: Math.max(b - a, 1), fill: faultFill(w.kind), 'class': 'fault' }));
    s.appendChild(svg('text', { x: 4, y: a + 12, 'font-size': '10', fill: faultInk(w.kind) }, w.kind));
  });
  nodes.forEach(function (n) {
    s.appendChild(svg('line', { x1: x(n), y1: top - 6, x2: x(n), y2: bottom, stroke: '#8c959f', 'stroke-width': '1' }));
    s.appendChild(svg('text', { x: x(n), y: 20, 'text-anchor': 'middle', 'font-size': '13', 'font-weight': '700' }, n));
  });
  var labelAll = shownMsgs.length <= 60;
  shownMsgs.forEach(function (m) {
    var sx = x(m.from), ex = x(m.to);
    var lost = m.recvMs === null;
    var sy = y(m.sendMs !== null ? m.sendMs : m.recvMs);
    // A lost message ends part way, lower the farther it was going, so that several lost at once stay apart.
    var ey = lost ? sy + 6 + 8 * Math.abs(ex - sx) / colW : y(m.recvMs);
    if (lost) ex = sx + (ex - sx) * 0.45;
    var line = svg('line', { x1: sx, y1: sy, x2: ex, y2: ey, stroke: lost ? '#d0021b' : '#0969da', 'stroke-width': '1.2', 'stroke-dasharray': lost ? '4 3' : '', 'marker-end': lost ? '' : 'url(#marrow)', 'class': lost ? 'msg lost' : 'msg' });
    line.appendChild(svg('title', null, m.type + ' ' + m.from + '→' + m.to + ' id ' + m.id + (lost ? ' (no receive logged)' : ' · ' + fmtMs((m.recvMs || 0) - (m.sendMs || 0)))));
    s.appendChild(line);
    if (lost) { s.appendChild(svg('text', { x: ex, y: ey + 4, 'font-size': '12', fill: '#d0021b', 'text-anchor': 'middle' }, '×')); }
    // Labels sit near the sender, so messages sent at once to several nodes do not share one spot.
    if (labelAll && lost) s.appendChild(svg('text', { x: ex + (ex >= sx ? 8 : -8), y: ey + 4, 'text-anchor': ex >= sx ? 'start' : 'end', 'font-size': '10', fill: '#d0021b' }, m.type));
    else if (labelAll) s.appendChild(svg('text', { x: sx + (ex - sx) * 0.3, y: sy + (ey - sy) * 0.3 - 3, 'text-anchor': 'middle', 'font-size': '10', fill: '#57606a' }, m.type));
  });
  ticks.forEach(function (tt) { s.appendChild(svg('text', { x: 4, y: y(tt) + 3, 'font-size': '10', fill: '#57606a' }, fmtMs(tt))); });
  this.box.appendChild(s);
  document.getElementById('msg-status').textContent = shownMsgs.length + ' of ' + total + ' messages in this window' + (total > MAX ? ' (narrow the window to see all)' : '') + ' · ' + D.messages.length + ' logged in all';
};

var api = { data: D };
window.faultlineReport = api;
function safely(name, fn) {
  var t = performance.now();
  try { fn(); } catch (e) {
    var w = document.getElementById('warnings'); w.hidden = false;
    w.querySelector('ul').appendChild(el('li', null, name + ' could not be drawn: ' + (e && e.message ? e.message : String(e))));
    console.error(e);
  }
  TIMINGS[name + 'Ms'] = performance.now() - t;
}
api.timings = TIMINGS;
safely('summary', renderSummary);
safely('timeline', function () { api.timeline = new Timeline(); });
safely('anomalies', renderAnomalies);
safely('plots', renderPlots);
safely('messages', function () { api.messages = new MessageDiagram(); });
TIMINGS.scriptEndMs = performance.now();
document.body.setAttribute('data-rendered', 'true');
})();
`;
