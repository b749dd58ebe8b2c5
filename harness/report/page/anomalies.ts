/** Transactional anomalies: each drawn as a ring of transactions (SVG) with labelled edges, beside its sentences. */
import { api, D } from './context.js';
import { el, svg } from './dom.js';
import type { AnomalyGraph } from './types.js';

type Edge = AnomalyGraph['edges'][number];

function labelW(e: Edge): number {
  return e.label.length * 7.2 + 8;
}

function drawGraph(a: AnomalyGraph, ai: number): SVGSVGElement {
  const n = a.nodes.length;
  // A big cycle puts the txn labels beside its nodes, shorter, outside the ring: above and
  // below, as for small cycles, they would run into the neighbouring nodes and their labels.
  const big = n > 4, maxChars = big ? 24 : 44, sideW = big ? maxChars * 6.2 + 40 : 0;
  // The ring is large enough that an edge's label fits between the two nodes it joins.
  const widest = a.edges.reduce((m, e) => Math.max(m, labelW(e)), 0);
  const fitR = big ? Math.min(400, (60 + widest) / (2 * Math.sin(Math.PI / n))) : 0;
  const R = n === 1 ? 0 : Math.max(90, Math.min(170, 40 * n), 10 * n, fitR);
  const W = Math.max(520, 2 * R + 2 * sideW), H = 2 * R + 110, cx = W / 2, cy = H / 2 + 8;
  const s = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, class: 'cycle' });
  const defs = svg('defs');
  const mk = svg('marker', { id: 'arrow' + ai, viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' });
  mk.appendChild(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#57606a' }));
  defs.appendChild(mk);
  s.appendChild(defs);
  const pos: Record<string, [number, number]> = {};
  a.nodes.forEach((nd, i) => {
    const ang = -Math.PI / 2 + (2 * Math.PI * i) / n;
    pos[nd.id] = [cx + R * Math.cos(ang), cy + R * Math.sin(ang)];
  });
  for (const e of a.edges) {
    const p = pos[e.from], q = pos[e.to];
    if (!p || !q) continue;
    const dx = q[0] - p[0], dy = q[1] - p[1], len = Math.sqrt(dx * dx + dy * dy) || 1, ux = dx / len, uy = dy / len;
    const sx = p[0] + ux * 26, sy = p[1] + uy * 16, ex = q[0] - ux * 28, ey = q[1] - uy * 18;
    // Bend each edge outward a little so that a pair of opposite edges does not overlap. The
    // label sits at the curve's middle, half the bend off the straight line: a pair of opposite
    // edges (every 2-transaction cycle) is bent far enough that its two labels sit side by side.
    const back = a.edges.find((o) => o.from === e.to && o.to === e.from);
    const bend = back ? Math.max(22, (labelW(e) + labelW(back)) / 2 + 8) : 22;
    const mx = (sx + ex) / 2 - uy * bend, my = (sy + ey) / 2 + ux * bend;
    s.appendChild(svg('path', { d: 'M ' + sx + ' ' + sy + ' Q ' + mx + ' ' + my + ' ' + ex + ' ' + ey, fill: 'none', stroke: '#57606a', 'stroke-width': '1.5', 'marker-end': 'url(#arrow' + ai + ')' }));
    const lx = (sx + 2 * mx + ex) / 4, ly = (sy + 2 * my + ey) / 4;
    s.appendChild(svg('rect', { x: lx - labelW(e) / 2, y: ly - 9, width: labelW(e), height: 17, rx: 4, fill: '#fff8c5', stroke: '#d4a72c', class: 'edge-label' }));
    s.appendChild(svg('text', { x: lx, y: ly + 4, 'text-anchor': 'middle', 'font-size': '12', 'font-weight': '600', fill: '#7d4e00' }, e.label));
  }
  for (const nd of a.nodes) {
    const p = pos[nd.id]!;
    const g = svg('g');
    g.appendChild(svg('rect', { x: p[0] - 26, y: p[1] - 15, width: 52, height: 30, rx: 8, fill: '#ddf4ff', stroke: '#0969da' }));
    g.appendChild(svg('text', { x: p[0], y: p[1] + 5, 'text-anchor': 'middle', 'font-size': '13', 'font-weight': '700', fill: '#0550ae' }, nd.id.length > 7 ? nd.id.slice(0, 7) : nd.id));
    if (nd.label) {
      const lab = nd.label.length > maxChars ? nd.label.slice(0, maxChars - 1) + '…' : nd.label;
      // Labels go on the outer side of the ring, away from the edges inside it.
      const above = p[1] < cy - 1, side = big ? (p[0] - cx) / (R || 1) : 0;
      const at = side > 0.35 ? { x: p[0] + 32, y: p[1] + 4, 'text-anchor': 'start' }
        : side < -0.35 ? { x: p[0] - 32, y: p[1] + 4, 'text-anchor': 'end' }
          : { x: p[0], y: above ? p[1] - 21 : p[1] + 30, 'text-anchor': 'middle' };
      g.appendChild(svg('text', { ...at, 'font-size': '11', fill: '#57606a', class: 'txn-label' }, lab));
    }
    g.appendChild(svg('title', null, nd.id + (nd.label ? ': ' + nd.label : '') + (nd.op >= 0 ? ' (click: show it in the timeline)' : '')));
    if (nd.op >= 0) {
      g.setAttribute('class', 'txn-node');
      g.style.cursor = 'pointer';
      const op = nd.op;
      g.addEventListener('click', () => api.timeline?.focusOp(op));
    }
    s.appendChild(g);
  }
  return s;
}

export function renderAnomalies(): void {
  const sec = document.getElementById('anomalies-card')!;
  if (!D.anomalies.length) { sec.hidden = true; return; }
  sec.hidden = false;
  const box = document.getElementById('anomalies')!;
  D.anomalies.forEach((a, ai) => {
    const div = el('div', { class: 'anomaly' });
    div.appendChild(el('h3', null, a.type + ' — ' + a.checker));
    const body = el('div', { class: 'row' });
    if (a.nodes.length > 0) body.appendChild(drawGraph(a, ai));
    if (a.sentence) body.appendChild(el('pre', { class: 'sentence' }, a.sentence));
    div.appendChild(body);
    box.appendChild(div);
  });
}
