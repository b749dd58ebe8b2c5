/** Latency and throughput plots (uPlot, inlined before this script), with the fault windows shaded. */
import { COLORS, D, N, OPS, faultStyle } from './context.js';

function nemesisShade(u: uPlot): void {
  const ctx = u.ctx, b = u.bbox;
  ctx.save();
  for (const w of D.nemesis) {
    const x0 = u.valToPos(w.startMs / 1000, 'x', true), x1 = u.valToPos(w.endMs / 1000, 'x', true);
    const l = Math.max(b.left, x0), r = Math.min(b.left + b.width, Math.max(x1, x0 + 2));
    if (r <= l) continue;
    ctx.fillStyle = faultStyle(w.kind).fill;
    ctx.fillRect(l, b.top, r - l, b.height);
  }
  ctx.restore();
}

/**
 * uPlot draws each point as a circle path, which takes seconds for 100k ops; the scatter is drawn
 * here instead as small squares, only for the points inside the visible x range.
 */
function scatter(u: uPlot): void {
  const ctx = u.ctx, b = u.bbox, d = u.data, xsd = d[0], n = xsd.length;
  const sz = Math.max(2, Math.round(2.5 * (window.devicePixelRatio || 1))), half = sz / 2;
  const xmin = u.scales.x!.min!, xmax = u.scales.x!.max!;
  let lo = 0, hi = n;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (xsd[m]! < xmin) lo = m + 1;
    else hi = m;
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(b.left, b.top, b.width, b.height);
  ctx.clip();
  for (let si = 1; si <= 3; si++) {
    if (!u.series[si]!.show) continue;
    const ys = d[si]!;
    ctx.fillStyle = COLORS[si - 1]!;
    for (let j = lo; j < n && xsd[j]! <= xmax; j++) {
      const v = ys[j];
      if (v === null || v === undefined) continue;
      ctx.fillRect(Math.round(u.valToPos(xsd[j]!, 'x', true) - half), Math.round(u.valToPos(v, 'y', true) - half), sz, sz);
    }
  }
  ctx.restore();
}

export function renderPlots(): void {
  if (typeof uPlot === 'undefined') { document.getElementById('plots')!.textContent = 'uPlot did not load.'; return; }
  const done: number[] = [];
  for (let i = 0; i < N; i++) if (OPS.completeIndex[i]! >= 0) done.push(i);
  done.sort((a, b) => OPS.endMs[a]! - OPS.endMs[b]!);
  const xs = new Array<number>(done.length);
  const ys: Array<Array<number | null>> = [new Array(done.length), new Array(done.length), new Array(done.length)];
  done.forEach((op, j) => {
    xs[j] = OPS.endMs[op]! / 1000;
    const lat = Math.max(OPS.endMs[op]! - OPS.startMs[op]!, 0.001);
    for (let o = 0; o < 3; o++) ys[o]![j] = OPS.outcome[op] === o ? lat : null;
  });
  const width = Math.max(300, document.getElementById('plots')!.clientWidth - 10);
  const common = { width, height: 260, cursor: { sync: { key: 'faultline' } } };
  const noPath = () => null;
  const latOpts: uPlot.Options = {
    ...common,
    title: 'Latency per op (ms, log scale) by completion time (s)',
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [{ label: 'time (s)' }, { label: 'latency (ms)' }],
    plugins: [{ hooks: { drawClear: [nemesisShade], draw: [scatter] } }],
    series: [
      { label: 't (s)' },
      { label: 'ok', stroke: COLORS[0], fill: COLORS[0], paths: noPath, points: { show: false } },
      { label: 'fail', stroke: COLORS[1], fill: COLORS[1], paths: noPath, points: { show: false } },
      { label: 'info', stroke: COLORS[2], fill: COLORS[2], paths: noPath, points: { show: false } },
    ],
  };
  if (done.length) new uPlot(latOpts, [xs, ys[0]!, ys[1]!, ys[2]!], document.getElementById('plot-latency')!);
  else document.getElementById('plot-latency')!.textContent = 'No completed ops.';
  // Throughput: completions per second in about 150 bins.
  const durS = Math.max(D.durationMs / 1000, 0.001);
  let bin = durS / 150;
  const steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
  const fit = steps.find((s) => s >= bin);
  if (fit !== undefined) bin = fit;
  const nb = Math.ceil(durS / bin) + 1;
  const tx: number[] = [];
  const tc: number[][] = [[], [], []];
  for (let b = 0; b < nb; b++) { tx.push(b * bin); tc[0]!.push(0); tc[1]!.push(0); tc[2]!.push(0); }
  for (const op of done) {
    const bi = Math.min(nb - 1, Math.floor(OPS.endMs[op]! / 1000 / bin));
    tc[OPS.outcome[op]!]![bi]! += 1 / bin;
  }
  const thrOpts: uPlot.Options = {
    ...common,
    title: 'Throughput (completed ops/s, bins of ' + bin + ' s)',
    scales: { x: { time: false } },
    axes: [{ label: 'time (s)' }, { label: 'ops/s' }],
    plugins: [{ hooks: { drawClear: [nemesisShade] } }],
    series: [
      { label: 't (s)' },
      { label: 'ok', stroke: COLORS[0], width: 1.5, fill: 'rgba(58,157,93,0.12)' },
      { label: 'fail', stroke: COLORS[1], width: 1.5 },
      { label: 'info', stroke: COLORS[2], width: 1.5 },
    ],
  };
  new uPlot(thrOpts, [tx, tc[0]!, tc[1]!, tc[2]!], document.getElementById('plot-throughput')!);
}
