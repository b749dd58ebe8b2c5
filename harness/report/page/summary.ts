/** The summary card: run settings, op statistics, checker verdicts, warnings, and the raw results. */
import { api, D, OPS } from './context.js';
import { el, fmtMs, fmtNum, fmtPct, str, verdictClass, verdictText } from './dom.js';

function kvRow(table: HTMLElement, name: string, value: unknown, valueClass?: string): void {
  const tr = el('tr');
  tr.appendChild(el('td', null, name));
  tr.appendChild(el('td', valueClass ? { class: valueClass } : null, str(value)));
  table.appendChild(tr);
}

export function renderSummary(): void {
  const r = D.run as Record<string, unknown>;
  document.title = 'faultline · ' + D.title + ' · ' + verdictText(D.valid);
  document.getElementById('title')!.textContent = D.title;
  const badge = document.getElementById('verdict')!;
  badge.textContent = verdictText(D.valid);
  badge.className = 'badge ' + verdictClass(D.valid);
  badge.setAttribute('data-verdict', String(D.valid));
  document.getElementById('subtitle')!.textContent = r.startedAt ? 'started ' + str(r.startedAt) : '';

  const meta = document.getElementById('meta')!;
  const nemesis = Array.isArray(r.nemesis) ? (r.nemesis.length ? r.nemesis.join(', ') : 'none') : r.nemesis;
  const rows: Array<[string, unknown]> = [
    ['system', r.system], ['variant', r.variant], ['workload', r.workload], ['nemesis', nemesis],
    ['seed', r.seed], ['nodes', r.nodes], ['concurrency', r.concurrency],
    ['rate', r.rateOpsPerSec !== undefined ? str(r.rateOpsPerSec) + ' ops/s' : undefined],
    ['time limit', r.timeLimitS !== undefined ? str(r.timeLimitS) + ' s' : undefined], ['duration', fmtMs(D.durationMs)],
    ['exit code', D.exitCode], ['git', r.gitSha],
  ];
  for (const [name, value] of rows) if (value !== undefined && value !== null && value !== '') kvRow(meta, name, value);
  document.getElementById('repro')!.textContent = r.command ? str(r.command) : '(run.json has no command)';

  const st = D.stats;
  const lat = st.latencyMs;
  const stats = document.getElementById('stats')!;
  const statRows: Array<[string, unknown]> = [
    ['ok', st.ok], ['fail', st.fail], ['info', st.info], ['never completed', st.pending || 0],
    ['throughput', fmtNum(st.opsPerSec) + ' ok ops/s'],
    ['latency p50 / p95 / p99 / max', fmtNum(lat.p50) + ' / ' + fmtNum(lat.p95) + ' / ' + fmtNum(lat.p99) + ' / ' + fmtNum(lat.max) + ' ms'],
    ['ok rate in faults / outside', fmtPct(st.okRateInFaults) + ' / ' + fmtPct(st.okRateOutsideFaults)],
    ['answered (ok or refused) in faults / outside', fmtPct(st.answeredRateInFaults) + ' / ' + fmtPct(st.answeredRateOutsideFaults)],
  ];
  for (const [name, value] of statRows) kvRow(stats, name, value, 'num');

  const cl = document.getElementById('checkers')!;
  if (D.runError) {
    const re = el('div', { class: 'run-error', id: 'run-error' });
    re.appendChild(el('strong', null, 'The run stopped early: '));
    re.appendChild(el('span', null, D.runError));
    cl.appendChild(re);
  }
  if (D.unknownReason !== null) {
    const ur = el('div', { class: 'warn', id: 'unknown-reason' });
    ur.appendChild(el('strong', null, 'Unknown: '));
    ur.appendChild(el('span', null, D.unknownReason));
    cl.appendChild(ur);
  }
  if (D.nemesisErrors.length) {
    const ne = el('div', { class: 'warn' }, 'Faults that could not be applied or healed:');
    const ul = el('ul');
    for (const t of D.nemesisErrors) ul.appendChild(el('li', null, t));
    ne.appendChild(ul);
    cl.appendChild(ne);
  }
  if (D.checkers.length === 0) cl.appendChild(el('p', { class: 'muted' }, 'No checker results (results.json is missing or has none).'));
  for (const c of D.checkers) {
    const div = el('div', { class: 'checker' });
    const h = el('div', { class: 'checker-head' });
    h.appendChild(el('span', { class: 'badge ' + verdictClass(c.valid), 'data-checker': c.name }, verdictText(c.valid)));
    h.appendChild(el('strong', null, ' ' + c.name));
    div.appendChild(h);
    if (c.explanation) div.appendChild(el('pre', { class: 'explanation' }, c.explanation));
    cl.appendChild(div);
  }
  const fa = D.firstAnomaly;
  if (fa) {
    const where = fa.op >= 0 ? ' — process ' + D.processes[OPS.lane[fa.op]!] + ', ' + OPS.desc[fa.op] : '';
    const p = el('p', { id: 'first-anomaly' }, 'First anomaly: history event ' + fa.index + (fa.timeMs !== null ? ' at ' + fmtMs(fa.timeMs) : '') + where);
    if (fa.op >= 0) {
      const b = el('button', null, 'show');
      b.style.marginLeft = '8px';
      b.addEventListener('click', () => api.timeline?.focusOp(fa.op));
      p.appendChild(b);
    }
    cl.appendChild(p);
  }
  if (D.warnings.length) {
    const w = document.getElementById('warnings')!;
    w.hidden = false;
    const ul = w.querySelector('ul')!;
    for (const t of D.warnings.slice(0, 50)) ul.appendChild(el('li', null, t));
  }
  const raw = document.getElementById('raw')!;
  for (const c of D.checkers) {
    const d = el('details');
    d.appendChild(el('summary', null, c.name + ' (' + verdictText(c.valid) + ')'));
    let s = '';
    try {
      s = JSON.stringify(c.raw, null, 2) || '';
    } catch {
      s = String(c.raw);
    }
    if (s.length > 300000) s = s.slice(0, 300000) + '\n… (cut)';
    d.appendChild(el('pre', null, s));
    raw.appendChild(d);
  }
  if (!D.checkers.length) raw.appendChild(el('p', { class: 'muted' }, 'None.'));
}
