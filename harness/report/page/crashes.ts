/** The node crashes: each node process that ended by itself, how, and the end of its log. */
import { D } from './context.js';
import { el, fmtMs } from './dom.js';

export function renderCrashes(): void {
  const sec = document.getElementById('crashes-card')!;
  if (!D.nodeCrashes.length) { sec.hidden = true; return; }
  sec.hidden = false;
  const box = document.getElementById('crashes')!;
  for (const c of D.nodeCrashes) {
    const div = el('div', { class: 'crash' });
    const how = c.signal !== null ? 'killed by ' + c.signal : c.exitCode !== null ? 'exit code ' + c.exitCode : 'ended';
    const h = el('h3');
    h.appendChild(el('span', { class: 'crash-node' }, c.node));
    h.appendChild(el('span', { class: 'crash-how' }, ' — ' + how + ' at ' + fmtMs(c.timeMs)));
    div.appendChild(h);
    if (c.logTail.length) div.appendChild(el('pre', { class: 'log-tail' }, c.logTail.join('\n')));
    else div.appendChild(el('p', { class: 'muted' }, 'Its log was empty.'));
    box.appendChild(div);
  }
}
