/** The message diagram: peer messages of a time window as a Lamport diagram (SVG). */
import { D, faultStyle } from './context.js';
import { fmtMs, removeChildren, svg } from './dom.js';

type Message = (typeof D.messages)[number];

export class MessageDiagram {
  readonly box = document.getElementById('messages')!;
  readonly startIn = document.getElementById('msg-start') as HTMLInputElement;
  readonly lenIn = document.getElementById('msg-len') as HTMLInputElement;
  readonly scaleSel = document.getElementById('msg-scale') as HTMLSelectElement;
  /** Messages by the time of their send (or of their receive, for one with no send logged). */
  readonly msgs: Array<{ m: Message; t: number }>;
  readonly nodes: string[];

  constructor() {
    this.msgs = D.messages.map((m) => ({ m, t: m.sendMs !== null ? m.sendMs : m.recvMs! })).sort((a, b) => a.t - b.t);
    const nodes = D.nodes.slice();
    for (const m of D.messages) {
      if (nodes.indexOf(m.from) < 0) nodes.push(m.from);
      if (nodes.indexOf(m.to) < 0) nodes.push(m.to);
    }
    this.nodes = nodes;
    if (!this.msgs.length) return;
    let start = this.msgs[0]!.t;
    if (D.firstAnomaly && D.firstAnomaly.timeMs !== null) start = Math.max(start, D.firstAnomaly.timeMs - 50);
    let j = 0;
    while (j < this.msgs.length && this.msgs[j]!.t < start) j++;
    // A window of about two dozen messages is what stays readable with every arrow labelled.
    const k = Math.min(this.msgs.length - 1, j + 24);
    const len = Math.max(1, Math.min(500, (this.msgs[k] ? this.msgs[k]!.t : start) - start));
    this.startIn.value = (start / 1000).toFixed(3);
    this.lenIn.value = String(Math.ceil(len));
    document.getElementById('msg-draw')!.addEventListener('click', () => this.draw());
    this.scaleSel.addEventListener('change', () => this.draw());
    this.draw();
  }

  draw(): void {
    let t0 = parseFloat(this.startIn.value) * 1000;
    let len = Math.max(0.001, parseFloat(this.lenIn.value));
    if (!isFinite(t0)) t0 = 0;
    if (!isFinite(len)) len = 100;
    const t1 = t0 + len, nodes = this.nodes, colW = 190, W = Math.max(420, nodes.length * colW + 60), top = 40;
    const byOrder = this.scaleSel.value === 'order';
    const x = (n: string) => 80 + nodes.indexOf(n) * colW;
    const inWin = this.msgs.filter(({ m }) => {
      const a = m.sendMs !== null ? m.sendMs : m.recvMs!, b = m.recvMs !== null ? m.recvMs : m.sendMs!;
      return b >= t0 && a <= t1;
    });
    const total = inWin.length, MAX = byOrder ? 200 : 800;
    const shownMsgs = inWin.slice(0, MAX).map((e) => e.m);
    // Two vertical scales: real time, where arrows are as steep as the network is slow; and event
    // order (Lamport's view), one row per send or receive, where every arrow can be read even when
    // messages take microseconds and are sent milliseconds apart.
    let H: number;
    let y: (t: number) => number;
    const ticks: number[] = [];
    if (byOrder) {
      const times: number[] = [];
      for (const m of shownMsgs) {
        if (m.sendMs !== null) times.push(m.sendMs);
        if (m.recvMs !== null) times.push(m.recvMs);
      }
      times.sort((a, b) => a - b);
      const ROW = 15;
      H = Math.max(260, top + (times.length + 2) * ROW);
      y = (t) => {
        let lo = 0, hi = times.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (times[mid]! < t) lo = mid + 1;
          else hi = mid;
        }
        if (lo < times.length && times[lo] === t) return top + (lo + 1) * ROW;
        if (lo === 0) return top + ROW * 0.5;
        if (lo >= times.length) return top + (times.length + 0.5) * ROW;
        const f = (t - times[lo - 1]!) / (times[lo]! - times[lo - 1]!);
        return top + (lo + f) * ROW;
      };
      const every = Math.max(1, Math.ceil(times.length / 30));
      for (let ti = 0; ti < times.length; ti += every) ticks.push(times[ti]!);
    } else {
      H = 640;
      y = (t) => top + ((t - t0) / len) * (H - 10 - top);
      for (let tk = 0; tk <= 5; tk++) ticks.push(t0 + (len * tk) / 5);
    }
    const bottom = H - 10;
    removeChildren(this.box);
    const s = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, class: 'lamport' });
    const defs = svg('defs');
    const mk = svg('marker', { id: 'marrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '6', markerHeight: '6', orient: 'auto-start-reverse' });
    mk.appendChild(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#0969da' }));
    defs.appendChild(mk);
    s.appendChild(defs);
    for (const w of D.nemesis) {
      if (w.endMs < t0 || w.startMs > t1) continue;
      let a = Math.max(top - 6, y(Math.max(w.startMs, t0)));
      let b = Math.min(bottom, y(Math.min(w.endMs, t1)));
      if (byOrder && w.endMs >= t1) b = bottom;
      if (byOrder && w.startMs <= t0) a = top - 6;
      const style = faultStyle(w.kind);
      s.appendChild(svg('rect', { x: 0, y: a, width: W, height: Math.max(b - a, 1), fill: style.fill, class: 'fault' }));
      s.appendChild(svg('text', { x: 4, y: a + 12, 'font-size': '10', fill: style.ink }, w.kind));
    }
    for (const n of nodes) {
      s.appendChild(svg('line', { x1: x(n), y1: top - 6, x2: x(n), y2: bottom, stroke: '#8c959f', 'stroke-width': '1' }));
      s.appendChild(svg('text', { x: x(n), y: 20, 'text-anchor': 'middle', 'font-size': '13', 'font-weight': '700' }, n));
    }
    const labelAll = shownMsgs.length <= 60;
    for (const m of shownMsgs) {
      const sx = x(m.from);
      let ex = x(m.to);
      const lost = m.recvMs === null;
      const sy = y(m.sendMs !== null ? m.sendMs : m.recvMs!);
      // A lost message ends part way, lower the farther it was going, so that several lost at once stay apart.
      const ey = lost ? sy + 6 + (8 * Math.abs(ex - sx)) / colW : y(m.recvMs!);
      if (lost) ex = sx + (ex - sx) * 0.45;
      const line = svg('line', { x1: sx, y1: sy, x2: ex, y2: ey, stroke: lost ? '#d0021b' : '#0969da', 'stroke-width': '1.2', 'stroke-dasharray': lost ? '4 3' : '', 'marker-end': lost ? '' : 'url(#marrow)', class: lost ? 'msg lost' : 'msg' });
      line.appendChild(svg('title', null, m.type + ' ' + m.from + '→' + m.to + ' id ' + m.id + (lost ? ' (no receive logged)' : ' · ' + fmtMs((m.recvMs || 0) - (m.sendMs || 0)))));
      s.appendChild(line);
      if (lost) s.appendChild(svg('text', { x: ex, y: ey + 4, 'font-size': '12', fill: '#d0021b', 'text-anchor': 'middle' }, '×'));
      // Labels sit near the sender, so messages sent at once to several nodes do not share one spot.
      if (labelAll && lost) s.appendChild(svg('text', { x: ex + (ex >= sx ? 8 : -8), y: ey + 4, 'text-anchor': ex >= sx ? 'start' : 'end', 'font-size': '10', fill: '#d0021b' }, m.type));
      else if (labelAll) s.appendChild(svg('text', { x: sx + (ex - sx) * 0.3, y: sy + (ey - sy) * 0.3 - 3, 'text-anchor': 'middle', 'font-size': '10', fill: '#57606a' }, m.type));
    }
    for (const tt of ticks) s.appendChild(svg('text', { x: 4, y: y(tt) + 3, 'font-size': '10', fill: '#57606a' }, fmtMs(tt)));
    this.box.appendChild(s);
    document.getElementById('msg-status')!.textContent =
      shownMsgs.length + ' of ' + total + ' messages in this window' + (total > MAX ? ' (narrow the window to see all)' : '') + ' · ' + D.messages.length + ' logged in all';
  }
}

/** The diagram, or null (and its card hidden) when no node logged its messages. */
export function renderMessages(): MessageDiagram | null {
  if (!D.messages.length) {
    document.getElementById('messages-card')!.hidden = true;
    return null;
  }
  return new MessageDiagram();
}
