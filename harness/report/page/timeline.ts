/**
 * The timeline: a canvas with one lane per client process, ops as boxes coloured by outcome,
 * fault windows shaded, one view per key, zoom and pan, drawing only what is visible; and the
 * linearizability witness beside it.
 */
import { api, COLORS, D, N, OPS, OUTCOME_NAMES, TIMINGS, faultStyle } from './context.js';
import { el, fmtAxis, fmtMs, removeChildren } from './dom.js';
import type { LeaderSpan, LinWitness } from './types.js';

/** The ops of one view (a key, or all) and the lanes they use. */
interface View {
  key: number;
  count: number;
  /** Ops no longer than `bound`, sorted by start, with their starts: found by binary search. */
  shortIds: number[];
  starts: Float64Array;
  /** The longer ones, scanned. */
  longIds: number[];
  bound: number;
  /** Process lanes shown, in order, and the lane of each process. */
  lanes: number[];
  laneOf: Record<number, number>;
}

interface Rect { x: number; y: number; w: number; h: number }

/** What the last draw did, for tests. */
/** A tooltip's table of name and value rows; rows without a value are left out. */
function kvTable(lines: ReadonlyArray<readonly [string, string | undefined]>): HTMLElement {
  const tb = el('table', { class: 'kv' });
  for (const [name, value] of lines) {
    if (value === '' || value === undefined) continue;
    const tr = el('tr');
    tr.appendChild(el('td', null, name));
    tr.appendChild(el('td', null, value));
    tb.appendChild(tr);
  }
  return tb;
}

export interface DrawStats { drawnOps: number; nemesisDrawn: number; leadersDrawn: number; highlighted: number; prefixDrawn: number }

/** One legend entry per kind of fault the run had, in the colours the windows are drawn with. */
function renderFaultLegend(): void {
  const box = document.getElementById('fault-legend')!;
  const kinds: string[] = [];
  for (const w of D.nemesis) if (kinds.indexOf(w.kind) < 0) kinds.push(w.kind);
  for (const kind of kinds) {
    const style = faultStyle(kind);
    const swatch = el('i', { 'data-kind': kind });
    swatch.style.background = style.fill;
    swatch.style.borderTopColor = style.ink;
    const entry = el('span', { class: 'fault-kind' });
    entry.appendChild(swatch);
    entry.appendChild(document.createTextNode(kind));
    box.appendChild(entry);
  }
}

/** The colour of gaps in the leader band, where no node said it leads. */
const NO_LEADER_COLOR = '#d0d7de';
/** Colours of the nodes in the leader band, by their place in the run's node list. */
const NODE_COLORS = ['#0969da', '#8250df', '#bf3989', '#1a7f37', '#9a6700', '#cf222e', '#0550ae', '#6e7781', '#116329'];

function nodeColor(node: string): string {
  let i = D.nodes.indexOf(node);
  if (i < 0) for (let k = 0; k < node.length; k++) i = (Math.max(i, 0) * 31 + node.charCodeAt(k)) % 997;
  return NODE_COLORS[i % NODE_COLORS.length]!;
}

function leaderLabel(sp: LeaderSpan): string {
  return sp.leader === null ? 'no leader' : sp.leader + (sp.term !== null ? ' · term ' + sp.term : '');
}

/** The span of the leader band at time t, or null outside the polling. */
function leaderAt(t: number): LeaderSpan | null {
  for (const sp of D.leaders) if (sp.startMs <= t && t < sp.endMs) return sp;
  return null;
}

/** Who led when an op was invoked and, when it changed, when it completed: "n1 · term 3 → n2 · term 4". */
function leaderThen(startMs: number, endMs: number | null): string {
  if (!D.leaders.length) return '';
  const a = leaderAt(startMs);
  const b = endMs === null ? null : leaderAt(endMs);
  const text = (sp: LeaderSpan | null) => (sp === null ? 'not polled' : leaderLabel(sp));
  return b === null || b === a ? text(a) : text(a) + ' → ' + text(b);
}

export class Timeline {
  readonly canvas = document.getElementById('timeline') as HTMLCanvasElement;
  readonly ctx = this.canvas.getContext('2d')!;
  readonly tip = document.getElementById('tip')!;
  readonly keySel = document.getElementById('key-select') as HTMLSelectElement;
  readonly gutter = 78;
  readonly axisH = 26;
  readonly bandH = 16;
  /** The leader band under the fault band, when the run recorded who led. */
  readonly leaderH = D.leaders.length ? 16 : 0;
  /** Where the process lanes start, under the bands. */
  readonly lanesTop = this.axisH + this.bandH + this.leaderH;
  readonly views: Record<number, View> = {};
  witness: LinWitness | null = null;
  linPoint: Record<number, number> = {};
  linOrder: Record<number, number> = {};
  last: DrawStats = { drawnOps: 0, nemesisDrawn: 0, leadersDrawn: 0, highlighted: -1, prefixDrawn: 0 };
  key = -1;
  v!: View;
  t0 = NaN;
  t1 = NaN;
  cssW = 300;
  cssH = 100;
  laneH = 10;
  selected = -1;
  private pending = false;

  constructor() {
    renderFaultLegend();
    this.keySel.appendChild(el('option', { value: '-1' }, 'all keys (' + N + ' ops)'));
    const counts = new Array<number>(D.keys.length).fill(0);
    for (let i = 0; i < N; i++) {
      if (OPS.key[i]! >= 0) counts[OPS.key[i]!]++;
      const tk = OPS.txnKeys[i];
      if (tk) for (const k of tk) counts[k]++;
    }
    const shown = Math.min(D.keys.length, 5000);
    for (let k = 0; k < shown; k++) this.keySel.appendChild(el('option', { value: String(k) }, 'key ' + D.keys[k] + ' (' + counts[k] + ' ops)'));
    let start = -1;
    if (D.lin.length && D.lin[0]!.keyIndex >= 0) start = D.lin[0]!.keyIndex;
    this.keySel.value = String(start);
    this.keySel.addEventListener('change', () => this.setKey(parseInt(this.keySel.value, 10)));

    document.getElementById('zoom-in')!.addEventListener('click', () => this.zoom(0.5, null));
    document.getElementById('zoom-out')!.addEventListener('click', () => this.zoom(2, null));
    document.getElementById('zoom-fit')!.addEventListener('click', () => this.fit());
    const jump = document.getElementById('zoom-anomaly')!;
    if (this.anomalyOp() < 0) jump.hidden = true;
    jump.addEventListener('click', () => this.focusAnomaly());

    let drag: { x: number; t0: number; t1: number } | null = null;
    this.canvas.addEventListener('mousedown', (e) => {
      drag = { x: e.clientX, t0: this.t0, t1: this.t1 };
      this.canvas.style.cursor = 'grabbing';
    });
    window.addEventListener('mouseup', () => {
      drag = null;
      this.canvas.style.cursor = 'crosshair';
    });
    window.addEventListener('mousemove', (e) => {
      if (!drag) return;
      const dt = ((e.clientX - drag.x) / this.plotW()) * (drag.t1 - drag.t0);
      this.t0 = drag.t0 - dt;
      this.t1 = drag.t1 - dt;
      this.requestDraw();
    });
    this.canvas.addEventListener('mousemove', (e) => { if (!drag) this.hover(e); });
    this.canvas.addEventListener('mouseleave', () => { this.tip.hidden = true; });
    this.canvas.addEventListener('wheel', (e) => {
      e.preventDefault();
      const x = e.clientX - this.canvas.getBoundingClientRect().left;
      this.zoom(e.deltaY > 0 ? 1.25 : 0.8, x >= this.gutter ? this.timeAt(x) : null);
    }, { passive: false });
    this.canvas.addEventListener('dblclick', () => this.fit());
    window.addEventListener('resize', () => this.resize());
    this.setKey(start);
  }

  anomalyOp(): number {
    if (D.lin.length && D.lin[0]!.failOp >= 0) return D.lin[0]!.failOp;
    return D.firstAnomaly ? D.firstAnomaly.op : -1;
  }

  plotW(): number { return Math.max(10, this.cssW - this.gutter - 8); }
  timeAt(x: number): number { return this.t0 + ((x - this.gutter) / this.plotW()) * (this.t1 - this.t0); }
  xAt(t: number): number { return this.gutter + ((t - this.t0) / (this.t1 - this.t0)) * this.plotW(); }

  /**
   * The ops of one view, sorted by start. Ops longer than the view's "short" bound are kept apart
   * so that finding the visible ones stays a binary search.
   */
  view(key: number): View {
    const cached = this.views[key];
    if (cached) return cached;
    const ids: number[] = [];
    for (let i = 0; i < N; i++) {
      if (key < 0 || OPS.key[i] === key) ids.push(i);
      else if (OPS.txnKeys[i] && OPS.txnKeys[i]!.indexOf(key) >= 0) ids.push(i);
    }
    // Ops come in invocation order, which is start order unless times were imported out of
    // order: sort only when needed.
    let sorted = true;
    for (let q = 1; q < ids.length && sorted; q++) if (OPS.startMs[ids[q]!]! < OPS.startMs[ids[q - 1]!]!) sorted = false;
    if (!sorted) ids.sort((a, b) => OPS.startMs[a]! - OPS.startMs[b]!);
    const durs = new Float64Array(ids.length);
    for (let d = 0; d < ids.length; d++) durs[d] = OPS.endMs[ids[d]!]! - OPS.startMs[ids[d]!]!;
    durs.sort();
    const bound = durs.length ? Math.max(durs[Math.floor(durs.length * 0.99)]! * 2, 1) : 1;
    const shortIds: number[] = [];
    const longIds: number[] = [];
    for (const i of ids) (OPS.endMs[i]! - OPS.startMs[i]! <= bound ? shortIds : longIds).push(i);
    const starts = new Float64Array(shortIds.length);
    for (let j = 0; j < shortIds.length; j++) starts[j] = OPS.startMs[shortIds[j]!]!;
    const laneOf: Record<number, number> = {};
    const lanes: number[] = [];
    for (const i of ids) {
      const p = OPS.lane[i]!;
      if (laneOf[p] === undefined) { laneOf[p] = -1; lanes.push(p); }
    }
    lanes.sort((a, b) => {
      const pa = Number(D.processes[a]), pb = Number(D.processes[b]);
      return isFinite(pa) && isFinite(pb) ? pa - pb : String(D.processes[a]).localeCompare(String(D.processes[b]));
    });
    lanes.forEach((p, idx) => { laneOf[p] = idx; });
    const v: View = { key, count: ids.length, shortIds, starts, longIds, bound, lanes, laneOf };
    this.views[key] = v;
    return v;
  }

  setKey(key: number): void {
    this.key = key;
    this.v = this.view(key);
    this.witness = null;
    for (const w of D.lin) {
      if (key < 0 || w.keyIndex === key || w.keyIndex < 0) { this.witness = w; break; }
    }
    this.computeLinPoints();
    this.renderWitness();
    this.resize();
    if (this.witness && this.witness.failOp >= 0) this.focusAnomaly();
    else this.fit();
  }

  resize(): void {
    const wrap = this.canvas.parentNode as HTMLElement;
    this.cssW = Math.max(300, wrap.clientWidth);
    const lanes = Math.max(1, this.v.lanes.length);
    this.laneH = Math.max(4, Math.min(26, Math.floor(560 / lanes)));
    this.cssH = this.lanesTop + lanes * this.laneH + 6;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.cssW * dpr);
    this.canvas.height = Math.round(this.cssH * dpr);
    this.canvas.style.width = this.cssW + 'px';
    this.canvas.style.height = this.cssH + 'px';
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (isNaN(this.t0)) this.fit();
    else this.draw();
  }

  fit(): void {
    const v = this.v;
    let lo = Infinity, hi = -Infinity;
    if (v.shortIds.length) lo = v.starts[0]!;
    const all = v.shortIds.concat(v.longIds);
    if (all.length > 200000) {
      lo = Math.min(lo, 0);
      hi = D.durationMs;
    } else {
      for (const i of all) {
        if (OPS.startMs[i]! < lo) lo = OPS.startMs[i]!;
        if (OPS.endMs[i]! > hi) hi = OPS.endMs[i]!;
      }
    }
    if (!isFinite(lo)) { lo = 0; hi = D.durationMs; }
    const pad = (hi - lo) * 0.02 || 1;
    this.t0 = lo >= 0 ? Math.max(0, lo - pad) : lo - pad;
    this.t1 = hi + pad;
    this.requestDraw();
  }

  zoom(factor: number, at: number | null): void {
    const c = at === null ? (this.t0 + this.t1) / 2 : at;
    const span = Math.max((this.t1 - this.t0) * factor, 0.001);
    const f = (c - this.t0) / (this.t1 - this.t0);
    this.t0 = c - f * span;
    this.t1 = this.t0 + span;
    this.requestDraw();
  }

  focusAnomaly(): void {
    const op = this.anomalyOp();
    if (op < 0) return;
    const k = OPS.key[op]!;
    if (this.key >= 0 && k !== this.key && k >= 0) {
      this.keySel.value = String(k);
      this.setKey(k);
      return;
    }
    const s = OPS.startMs[op]!, e = OPS.endMs[op]!;
    let lo = s, hi = e;
    // Show the failing op with the tail of the prefix before it, so its context is on screen.
    const w = this.witness;
    if (w && w.prefix.length) {
      for (let i = Math.max(0, w.prefix.length - 12); i < w.prefix.length; i++) {
        lo = Math.min(lo, OPS.startMs[w.prefix[i]!.op]!);
        hi = Math.max(hi, OPS.endMs[w.prefix[i]!.op]!);
      }
    }
    const span = Math.max(hi - lo, (e - s) * 4, 1);
    this.t0 = lo - span * 0.15;
    this.t1 = hi + span * 0.15;
    this.requestDraw();
  }

  /** Shows one op: its key's view, zoomed around it, framed in blue until another op is chosen. */
  focusOp(op: number): void {
    if (op < 0 || op >= N) return;
    this.selected = op;
    const key = OPS.key[op]!;
    const inView = this.key < 0 || key === this.key || (OPS.txnKeys[op] !== undefined && OPS.txnKeys[op]!.indexOf(this.key) >= 0);
    if (!inView) {
      this.keySel.value = String(key);
      this.setKey(key);
    }
    const s = OPS.startMs[op]!, e = OPS.endMs[op]!, span = Math.max((e - s) * 6, 2);
    this.t0 = s - span / 2;
    this.t1 = e + span / 2;
    this.requestDraw();
    this.canvas.scrollIntoView({ block: 'center' });
  }

  requestDraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  /** Calls `fn` for each visible op of the view: short ops by binary search on start, long ops by a scan. */
  visible(t0: number, t1: number, fn: (op: number) => void): void {
    const v = this.v, s = v.starts, from = t0 - v.bound;
    let lo = 0, hi = s.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (s[m]! < from) lo = m + 1;
      else hi = m;
    }
    for (let j = lo; j < s.length && s[j]! <= t1; j++) {
      const i = v.shortIds[j]!;
      if (OPS.endMs[i]! >= t0) fn(i);
    }
    for (const id of v.longIds) if (OPS.startMs[id]! <= t1 && OPS.endMs[id]! >= t0) fn(id);
  }

  opRect(i: number): Rect | null {
    const lane = this.v.laneOf[OPS.lane[i]!];
    if (lane === undefined || lane < 0) return null;
    const x0 = this.xAt(OPS.startMs[i]!), x1 = this.xAt(OPS.endMs[i]!);
    const y = this.lanesTop + lane * this.laneH;
    const pad = this.laneH > 8 ? 2 : 0;
    return { x: x0, y: y + pad, w: Math.max(x1 - x0, 1.5), h: Math.max(this.laneH - 2 * pad, 2) };
  }

  computeLinPoints(): void {
    this.linPoint = {};
    this.linOrder = {};
    const w = this.witness;
    if (!w) return;
    // A linearization point lies inside its op's interval and after the previous op's point:
    // take the earliest such instant, which exists because the prefix is a valid linearization.
    let prev = -Infinity;
    w.prefix.forEach((step, i) => {
      const op = step.op;
      let p = Math.max(OPS.startMs[op]!, prev);
      if (p > OPS.endMs[op]!) p = OPS.endMs[op]!;
      this.linPoint[op] = p;
      this.linOrder[op] = i;
      prev = p;
    });
  }

  draw(): void {
    const drawStart = performance.now();
    const ctx = this.ctx, W = this.cssW, H = this.cssH, v = this.v;
    const top = this.lanesTop, t0 = this.t0, t1 = this.t1;
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    // Lanes.
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let l = 0; l < v.lanes.length; l++) {
      const y = top + l * this.laneH;
      if (l % 2 === 1) { ctx.fillStyle = '#f6f8fa'; ctx.fillRect(this.gutter, y, W - this.gutter, this.laneH); }
      if (this.laneH >= 10) { ctx.fillStyle = '#57606a'; ctx.fillText('p ' + D.processes[v.lanes[l]!], 6, y + this.laneH / 2); }
    }
    if (this.leaderH > 0) { ctx.fillStyle = '#57606a'; ctx.fillText('leader', 6, this.axisH + this.bandH + this.leaderH / 2); }
    let nem = 0;
    ctx.save();
    ctx.beginPath();
    ctx.rect(this.gutter, 0, W - this.gutter, H);
    ctx.clip();
    // Ops: batched into one path per outcome, which is what keeps 100k boxes fast.
    const paths = [new Path2D(), new Path2D(), new Path2D(), new Path2D()];
    let drawn = 0;
    const labels: Array<[number, Rect]> = [];
    this.visible(t0, t1, (i) => {
      const r = this.opRect(i);
      if (!r) return;
      paths[OPS.outcome[i]!]!.rect(r.x, r.y, r.w, r.h);
      drawn++;
      if (r.w > 46 && this.laneH >= 14 && labels.length < 3000) labels.push([i, r]);
    });
    for (let o = 0; o < 4; o++) { ctx.fillStyle = COLORS[o]!; ctx.fill(paths[o]!); }
    for (const [i, r] of labels) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(r.x, r.y, r.w, r.h);
      ctx.clip();
      ctx.fillStyle = OPS.outcome[i] === 0 ? '#fff' : '#1f2328';
      ctx.fillText(OPS.desc[i]!, Math.max(r.x, this.gutter) + 3, r.y + r.h / 2);
      ctx.restore();
    }
    // Fault windows, shaded over every lane (over the ops, so dense lanes still show them) and
    // labelled in the band above.
    for (const w of D.nemesis) {
      if (w.endMs < t0 || w.startMs > t1) continue;
      const x0 = this.xAt(w.startMs), x1 = Math.max(this.xAt(w.endMs), x0 + 2);
      const style = faultStyle(w.kind);
      ctx.fillStyle = style.fill;
      ctx.fillRect(x0, this.axisH, x1 - x0, H - this.axisH);
      ctx.fillStyle = style.ink;
      ctx.fillRect(x0, this.axisH, x1 - x0, 3);
      const label = (w.detail && w.detail.indexOf(w.kind) === 0 ? w.detail : w.kind + (w.detail ? ': ' + w.detail : '')) + (w.effect ? ' — ' + w.effect : '');
      if (x1 - x0 > 30) {
        ctx.save();
        ctx.beginPath();
        ctx.rect(x0, this.axisH, x1 - x0, this.bandH);
        ctx.clip();
        ctx.fillText(label, Math.max(x0, this.gutter) + 3, this.axisH + 10);
        ctx.restore();
      }
      nem++;
    }
    // The leader band: who said it led, with its term, coloured by node; grey where no node led.
    let led = 0;
    if (this.leaderH > 0) {
      const y = this.axisH + this.bandH;
      for (const sp of D.leaders) {
        if (sp.endMs < t0 || sp.startMs > t1) continue;
        const x0 = this.xAt(sp.startMs), x1 = Math.max(this.xAt(sp.endMs), x0 + 1);
        ctx.fillStyle = sp.leader === null ? NO_LEADER_COLOR : nodeColor(sp.leader);
        ctx.fillRect(x0, y + 1, x1 - x0, this.leaderH - 2);
        if (x1 - x0 > 40) {
          ctx.save();
          ctx.beginPath();
          ctx.rect(x0, y, x1 - x0, this.leaderH);
          ctx.clip();
          ctx.fillStyle = sp.leader === null ? '#57606a' : '#fff';
          ctx.fillText(leaderLabel(sp), Math.max(x0, this.gutter) + 3, y + this.leaderH / 2);
          ctx.restore();
        }
        led++;
      }
    }
    // The linearizable prefix: each op outlined, its linearization point marked, points joined in order.
    let pref = 0;
    if (this.witness) {
      const pts: Array<[number, number] | null> = [];
      ctx.strokeStyle = '#1f2328';
      ctx.lineWidth = 1;
      for (const step of this.witness.prefix) {
        const op = step.op, r = this.opRect(op);
        if (!r || OPS.endMs[op]! < t0 || OPS.startMs[op]! > t1) { pts.push(null); continue; }
        ctx.strokeRect(r.x + 0.5, r.y + 0.5, r.w - 1, r.h - 1);
        pts.push([this.xAt(this.linPoint[op]!), r.y + r.h / 2]);
        pref++;
      }
      ctx.strokeStyle = 'rgba(102,57,186,0.75)';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let started = false;
      for (const p of pts) {
        if (!p) { started = false; continue; }
        if (!started) { ctx.moveTo(p[0], p[1]); started = true; } else ctx.lineTo(p[0], p[1]);
      }
      ctx.stroke();
      ctx.fillStyle = '#6639ba';
      for (const p of pts) {
        if (!p) continue;
        ctx.beginPath();
        ctx.moveTo(p[0], p[1] - 5); ctx.lineTo(p[0] + 4, p[1]); ctx.lineTo(p[0], p[1] + 5); ctx.lineTo(p[0] - 4, p[1]);
        ctx.closePath();
        ctx.fill();
      }
    }
    // The op that cannot be linearized (or the first anomaly): a thick red frame and a label.
    let hl = -1;
    const aop = this.anomalyOp();
    if (aop >= 0 && OPS.endMs[aop]! >= t0 && OPS.startMs[aop]! <= t1) {
      const ar = this.opRect(aop);
      if (ar) {
        hl = aop;
        ctx.fillStyle = 'rgba(208,2,27,0.25)';
        ctx.fillRect(ar.x, ar.y, ar.w, ar.h);
        ctx.strokeStyle = '#d0021b';
        ctx.lineWidth = 3;
        ctx.strokeRect(ar.x - 1.5, ar.y - 1.5, ar.w + 3, ar.h + 3);
        ctx.fillStyle = '#d0021b';
        ctx.font = 'bold 11px system-ui, sans-serif';
        const label = this.witness && this.witness.failOp === aop ? 'cannot be linearized' : 'first anomaly';
        ctx.fillText(label, Math.max(ar.x, this.gutter + 2), Math.max(ar.y - 8, this.lanesTop - 6));
        ctx.font = '11px system-ui, sans-serif';
      }
    }
    if (this.selected >= 0 && this.selected !== hl) {
      const sr = this.opRect(this.selected);
      if (sr && OPS.endMs[this.selected]! >= t0 && OPS.startMs[this.selected]! <= t1) {
        ctx.strokeStyle = '#0969da';
        ctx.lineWidth = 3;
        ctx.strokeRect(sr.x - 1.5, sr.y - 1.5, sr.w + 3, sr.h + 3);
      }
    }
    ctx.restore();
    // Time axis.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, this.axisH);
    ctx.strokeStyle = '#d0d7de';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(this.gutter, this.axisH - 0.5);
    ctx.lineTo(W, this.axisH - 0.5);
    ctx.stroke();
    const span = t1 - t0;
    let step = Math.pow(10, Math.floor(Math.log10(span / 8)));
    if (span / step > 16) step *= 5;
    else if (span / step > 8) step *= 2;
    ctx.fillStyle = '#57606a';
    ctx.textBaseline = 'middle';
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const x = this.xAt(t);
      ctx.fillRect(x, this.axisH - 5, 1, 5);
      ctx.fillText(fmtAxis(t, step), x + 2, 11);
    }
    this.last = { drawnOps: drawn, nemesisDrawn: nem, leadersDrawn: led, highlighted: hl, prefixDrawn: pref };
    // The first draw comes after every section was built: the moment the first view is complete.
    if (api.firstDrawMs === undefined) {
      api.firstDrawMs = performance.now();
      TIMINGS.firstDrawMs = api.firstDrawMs - drawStart;
    }
    this.canvas.setAttribute('data-drawn-ops', String(drawn));
    this.canvas.setAttribute('data-nemesis-drawn', String(nem));
    this.canvas.setAttribute('data-leaders-drawn', String(led));
    this.canvas.setAttribute('data-highlighted-op', String(hl));
    document.getElementById('timeline-status')!.textContent =
      drawn + ' ops drawn of ' + v.count + ' in this view · ' + fmtMs(t0) + ' – ' + fmtMs(t1) + ' · scroll to zoom, drag to pan, double-click to fit';
  }

  hover(e: MouseEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left, y = e.clientY - rect.top;
    const lane = Math.floor((y - this.lanesTop) / this.laneH);
    if (x >= this.gutter && y >= this.axisH && y < this.axisH + this.bandH) { this.faultTip(this.timeAt(x), e.clientX, e.clientY); return; }
    if (x >= this.gutter && y >= this.axisH + this.bandH && y < this.lanesTop) { this.leaderTip(this.timeAt(x), e.clientX, e.clientY); return; }
    if (x < this.gutter || lane < 0 || lane >= this.v.lanes.length) { this.tip.hidden = true; return; }
    const t = this.timeAt(x), eps = (3 / this.plotW()) * (this.t1 - this.t0), proc = this.v.lanes[lane];
    let best = -1;
    this.visible(t - eps, t + eps, (i) => {
      if (OPS.lane[i] === proc && (best < 0 || OPS.startMs[i]! > OPS.startMs[best]!)) best = i;
    });
    if (best < 0) { this.tip.hidden = true; return; }
    this.showTip(best, e.clientX, e.clientY);
  }

  /** The tooltip of the fault band: each fault on at time t, with what it did. */
  faultTip(t: number, cx: number, cy: number): void {
    const on = D.nemesis.filter((w) => w.startMs <= t && t < w.endMs);
    if (on.length === 0) { this.tip.hidden = true; return; }
    const tip = this.tip;
    removeChildren(tip);
    tip.setAttribute('data-tip', 'fault');
    for (const w of on) {
      tip.appendChild(el('div', { class: 'tip-title' }, w.detail || w.kind));
      tip.appendChild(kvTable([['from', fmtMs(w.startMs)], ['to', fmtMs(w.endMs)], ['effect', w.effect || 'not recorded']]));
    }
    this.placeTip(cx, cy);
  }

  /** The tooltip of the leader band: who led at time t, from when to when, and what each node said. */
  leaderTip(t: number, cx: number, cy: number): void {
    const sp = leaderAt(t);
    if (sp === null) { this.tip.hidden = true; return; }
    const tip = this.tip;
    removeChildren(tip);
    tip.setAttribute('data-tip', 'leader');
    tip.appendChild(el('div', { class: 'tip-title' }, sp.leader === null ? 'no node led' : sp.leader + ' led'));
    tip.appendChild(kvTable([['term', sp.term === null ? '' : String(sp.term)], ['from', fmtMs(sp.startMs)], ['to', fmtMs(sp.endMs)], ['nodes', sp.detail]]));
    this.placeTip(cx, cy);
  }

  showTip(i: number, cx: number, cy: number): void {
    const tip = this.tip;
    removeChildren(tip);
    tip.setAttribute('data-tip', 'op');
    tip.appendChild(el('div', { class: 'tip-title' }, OPS.desc[i]));
    const done = OPS.completeIndex[i]! >= 0;
    const lines: Array<[string, string | undefined]> = [
      ['process', D.processes[OPS.lane[i]!]], ['outcome', OUTCOME_NAMES[OPS.outcome[i]!]],
      ['key', OPS.key[i]! >= 0 ? D.keys[OPS.key[i]!] : ''],
      ['invoked', fmtMs(OPS.startMs[i]!) + ' (event ' + OPS.invokeIndex[i] + ')'],
      ['completed', done ? fmtMs(OPS.endMs[i]!) + ' (event ' + OPS.completeIndex[i] + ')' : 'never'],
      ['latency', done ? fmtMs(OPS.endMs[i]! - OPS.startMs[i]!) : ''],
      ['node', OPS.node[i]], ['leader then', leaderThen(OPS.startMs[i]!, done ? OPS.endMs[i]! : null)], ['error', OPS.error[i]],
    ];
    const w = this.witness;
    const order = this.linOrder[i];
    if (w && order !== undefined) {
      const step = w.prefix[order]!;
      lines.push(['linearized', '#' + (w.prefixOmitted + order + 1) + ' of ' + (w.prefixOmitted + w.prefix.length) + ' at ' + fmtMs(this.linPoint[i]!)]);
      lines.push(['state before', step.before === null ? '?' : step.before]);
      lines.push(['state after', step.after === null ? '?' : step.after]);
    }
    if (w && w.failOp === i) {
      lines.push(['', 'cannot be linearized after the prefix']);
      if (w.finalStates.length) lines.push(['model states there', w.finalStates.join(' | ')]);
    }
    tip.appendChild(kvTable(lines));
    this.placeTip(cx, cy);
  }

  /** Shows the tooltip beside the pointer, inside the window. */
  placeTip(cx: number, cy: number): void {
    const tip = this.tip;
    tip.hidden = false;
    const tw = tip.offsetWidth, th = tip.offsetHeight;
    let left = cx + 14, topPx = cy + 14;
    if (left + tw > window.innerWidth - 8) left = cx - tw - 14;
    if (topPx + th > window.innerHeight - 8) topPx = cy - th - 14;
    tip.style.left = Math.max(4, left) + 'px';
    tip.style.top = Math.max(4, topPx) + 'px';
  }

  renderWitness(): void {
    const box = document.getElementById('witness')!;
    removeChildren(box);
    const sec = document.getElementById('witness-card')!;
    if (!D.lin.length) { sec.hidden = true; return; }
    sec.hidden = false;
    D.lin.forEach((w, wi) => {
      const div = el('div', { class: 'witness' });
      div.appendChild(el('h3', null, (w.key !== null ? 'Key ' + w.key : 'The whole history') + ' (checker: ' + w.checker + ')'));
      if (w.failOp >= 0) {
        const f = w.failOp;
        const p = el('p', { class: 'fail-op' });
        p.appendChild(el('strong', null, 'Cannot be linearized: '));
        p.appendChild(el('span', null, 'process ' + D.processes[OPS.lane[f]!] + ' ' + OPS.desc[f] + ' (' + OUTCOME_NAMES[OPS.outcome[f]!] + ', ' + fmtMs(OPS.startMs[f]!) + ' – ' + fmtMs(OPS.endMs[f]!) + ')'));
        const b = el('button', null, 'show');
        b.addEventListener('click', () => {
          if (w.keyIndex >= 0) { this.keySel.value = String(w.keyIndex); this.setKey(w.keyIndex); } else this.focusAnomaly();
          this.canvas.scrollIntoView({ block: 'center' });
        });
        p.appendChild(b);
        div.appendChild(p);
      }
      if (w.finalStates.length) div.appendChild(el('p', null, 'Model state after the prefix: ' + w.finalStates.join(' | ')));
      if (w.candidates.length) {
        const cd = el('details');
        cd.appendChild(el('summary', null, 'What could come next, and why none of it leads anywhere (' + w.candidates.length + ')'));
        const ct = el('table', { class: 'grid' });
        const ch = el('tr');
        for (const h of ['process', 'op', 'outcome', 'state it would lead to']) ch.appendChild(el('th', null, h));
        ct.appendChild(ch);
        for (const c of w.candidates) {
          const tr = el('tr');
          for (const x of [c.op >= 0 ? D.processes[OPS.lane[c.op]!] : '', c.desc, c.outcome, c.stateAfter === null ? '' : c.stateAfter]) tr.appendChild(el('td', null, x));
          ct.appendChild(tr);
        }
        cd.appendChild(ct);
        div.appendChild(cd);
      }
      let d: HTMLDetailsElement | null = null;
      if (w.prefix.length) {
        d = el('details');
        if (wi === 0) d.open = true;
        d.appendChild(el('summary', null, 'Longest linearizable prefix: ' + (w.prefix.length + w.prefixOmitted) + ' ops, in linearization order'));
        const t = el('table', { class: 'grid' });
        const hr = el('tr');
        for (const h of ['#', 'process', 'op', 'state before', 'state after']) hr.appendChild(el('th', null, h));
        t.appendChild(hr);
        const from = Math.max(0, w.prefix.length - 200);
        if (w.prefixOmitted > 0) {
          const tro = el('tr');
          tro.appendChild(el('td', { colspan: '5', class: 'muted' }, '… ' + w.prefixOmitted + ' earlier ops of the prefix are not kept in the result'));
          t.appendChild(tro);
        }
        if (from > 0) {
          const tr0 = el('tr');
          tr0.appendChild(el('td', { colspan: '5', class: 'muted' }, '… ' + from + ' earlier ops'));
          t.appendChild(tr0);
        }
        for (let i = from; i < w.prefix.length; i++) {
          const s = w.prefix[i]!, tr = el('tr');
          for (const c of [String(w.prefixOmitted + i + 1), D.processes[OPS.lane[s.op]!], OPS.desc[s.op], s.before === null ? '' : s.before, s.after === null ? '' : s.after]) tr.appendChild(el('td', null, c));
          t.appendChild(tr);
        }
        d.appendChild(t);
        div.appendChild(d);
      }
      box.appendChild(div);
      // The end of the prefix, next to the failing op, is what matters: show it first.
      const shown = d;
      if (shown && shown.open) requestAnimationFrame(() => { shown.scrollTop = shown.scrollHeight; });
    });
  }
}
