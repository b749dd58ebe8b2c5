/**
 * Building elements and formatting values. Every value from the run goes into the page through
 * `el` and `svg`, as a text node (`textContent`), never as markup.
 */

type Attrs = Record<string, string | number | boolean | undefined | null>;

/** An HTML element with attributes and text content. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, text?: unknown): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (attrs) for (const k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

/** An SVG element with attributes and text content. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs | null, text?: unknown): SVGElementTagNameMap[K] {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  if (attrs) for (const k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

export function removeChildren(e: Element): void {
  while (e.firstChild) e.removeChild(e.firstChild);
}

export function fmtNum(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || typeof v !== 'number' || !isFinite(v)) return '–';
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(digits);
}

export function fmtPct(v: number | null | undefined): string {
  return typeof v === 'number' && isFinite(v) ? (v * 100).toFixed(1) + '%' : '–';
}

export function fmtMs(ms: number): string {
  if (!isFinite(ms)) return '–';
  if (ms === 0) return '0 s';
  if (Math.abs(ms) >= 1000) return (ms / 1000).toFixed(3) + ' s';
  if (Math.abs(ms) >= 1) return ms.toFixed(2) + ' ms';
  return (ms * 1000).toFixed(0) + ' µs';
}

/** An axis label with as many decimals as the tick step needs, in s, ms or µs. */
export function fmtAxis(t: number, step: number): string {
  const unit = step >= 1000 ? 1000 : step >= 1 ? 1 : 0.001;
  const name = step >= 1000 ? ' s' : step >= 1 ? ' ms' : ' µs';
  const dec = Math.max(0, -Math.floor(Math.log10(step / unit) + 1e-9));
  let v = t / unit;
  if (Math.abs(v) < 1e-9) v = 0;
  return v.toFixed(Math.min(dec, 6)) + name;
}

type Verdict = boolean | 'unknown' | null;

export function verdictText(v: Verdict): string {
  return v === true ? 'VALID' : v === false ? 'INVALID' : v === 'unknown' ? 'UNKNOWN' : 'NO VERDICT';
}

export function verdictClass(v: Verdict): string {
  return v === true ? 'valid' : v === false ? 'invalid' : v === 'unknown' ? 'unknown' : 'none';
}

/** Any value as text: strings as they are, the rest as JSON. */
export function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
