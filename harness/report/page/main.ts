/**
 * The report page's entry: builds each section, each on its own, so that one that fails shows as
 * a warning and the others are still drawn.
 */
import { renderAnomalies } from './anomalies.js';
import { api, TIMINGS } from './context.js';
import { renderCrashes } from './crashes.js';
import { el } from './dom.js';
import { renderMessages } from './messages.js';
import { renderPlots } from './plots.js';
import { renderSummary } from './summary.js';
import { Timeline } from './timeline.js';

declare global {
  interface Window {
    faultlineReport: typeof api;
  }
}

window.faultlineReport = api;

function safely(name: string, fn: () => void): void {
  const t = performance.now();
  try {
    fn();
  } catch (e) {
    const w = document.getElementById('warnings')!;
    w.hidden = false;
    w.querySelector('ul')!.appendChild(el('li', null, name + ' could not be drawn: ' + (e instanceof Error ? e.message : String(e))));
    console.error(e);
  }
  TIMINGS[name + 'Ms'] = performance.now() - t;
}

safely('summary', renderSummary);
safely('crashes', renderCrashes);
safely('timeline', () => { api.timeline = new Timeline(); });
safely('anomalies', renderAnomalies);
safely('plots', renderPlots);
safely('messages', () => { api.messages = renderMessages() ?? undefined; });
TIMINGS.scriptEndMs = performance.now();
document.body.setAttribute('data-rendered', 'true');
