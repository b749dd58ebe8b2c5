/**
 * Helpers to build self-contained HTML pages safely: escaping text for HTML, embedding data as
 * JSON in a script tag, and inlining scripts and styles (uPlot from node_modules).
 *
 * The rule for every page of faultline: values that come from a history, a log or a results file
 * never reach the page as markup. They are either escaped here (`escapeHtml`) or embedded as JSON
 * (`embedJson`, with `<` written as \u003c so no value can close the script tag) and put into the
 * document by the page's own script with `textContent`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Escapes text for use in HTML content or a quoted attribute. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/**
 * Serializes data as JSON that is safe inside `<script type="application/json">`: `<`, `>` and
 * `&` become \u escapes (so `</script>` or `<!--` in a value cannot end or confuse the script
 * element), as do U+2028/U+2029. JSON.parse reads them back unchanged.
 */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A `<script type="application/json">` element holding `data`. */
export function embedJson(id: string, data: unknown): string {
  return `<script type="application/json" id="${escapeHtml(id)}">${jsonForScript(data)}</script>`;
}

/** An inline script element; a `</script` inside the code is broken up so it cannot end the element. */
export function inlineScript(code: string): string {
  return `<script>${code.replace(/<\/(script)/gi, '<\\/$1')}</script>`;
}

/** An inline style element. */
export function inlineStyle(css: string): string {
  return `<style>${css.replace(/<\/(style)/gi, '<\\/$1')}</style>`;
}

let uplotCache: { js: string; css: string } | null = null;

/** uPlot's browser build and stylesheet, read once from node_modules. */
export function uplotAssets(): { js: string; css: string } {
  if (uplotCache) return uplotCache;
  const require = createRequire(import.meta.url);
  const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  uplotCache = { js, css };
  return uplotCache;
}

/** The look shared by every faultline page (report, results browser, compare, suite index). */
export const BASE_CSS = `
:root { --ok: #3a9d5d; --fail: #d98cb3; --info: #f0a030; --pending: #9aa0a6; --bad: #d0021b; --good: #1e7e34;
  --unknown: #b7791f; --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #f6f8fa; --card: #ffffff; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header.top { padding: 14px 24px; background: #24292f; color: #fff; display: flex; align-items: center; gap: 16px; flex-wrap: wrap; }
header.top h1 { font-size: 18px; margin: 0; font-weight: 600; }
header.top .sub { color: #c9d1d9; font-size: 13px; }
main { padding: 16px 24px 48px; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin: 0 0 16px; }
section.card > h2 { font-size: 15px; margin: 0 0 10px; }
.badge { display: inline-block; padding: 3px 10px; border-radius: 12px; font-weight: 700; font-size: 13px; letter-spacing: .02em; color: #fff; background: var(--pending); }
.badge.valid { background: var(--good); } .badge.invalid { background: var(--bad); } .badge.unknown { background: var(--unknown); }
table.kv { border-collapse: collapse; } table.kv td { padding: 2px 14px 2px 0; vertical-align: top; } table.kv td:first-child { color: var(--muted); white-space: nowrap; }
table.grid { border-collapse: collapse; width: 100%; } table.grid th, table.grid td { border-bottom: 1px solid var(--line); padding: 6px 10px; text-align: left; vertical-align: top; }
table.grid th { background: var(--bg); font-weight: 600; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow: auto; max-height: 420px; white-space: pre-wrap; word-break: break-word; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
.muted { color: var(--muted); }
.row { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; }
button, select, input { font: inherit; font-size: 13px; padding: 3px 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
button { cursor: pointer; } button:hover { background: var(--bg); }
.warn { color: #9a6700; }
`;
