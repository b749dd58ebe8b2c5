/**
 * The data of compare.json and the page rendered from it (compare.html). Both live with the other
 * pages in harness/report/compare.ts (a matrix of variant x metrics whose cells link to the run
 * reports by relative links); this module keeps the names `faultline compare` imports.
 */
export {
  renderCompareHtml,
  writeCompareReport,
  type CompareJson,
  type CompareRun,
  type CompareSummary,
  type CompareVariant,
} from '../report/compare.js';
