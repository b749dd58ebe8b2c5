/**
 * A strict XML 1.0 well-formedness check for tests of generated XML (JUnit reports): one root
 * element, balanced and properly nested tags, quoted attributes without duplicates, no raw `<` or
 * `&` outside markup, only the five predefined entities or numeric references, and only characters
 * XML 1.0 allows. Returns the parsed element tree, so tests can also look inside.
 */

/** An element of the parsed tree. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
// eslint-disable-next-line no-control-regex
const BAD_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function decode(s: string, where: number): string {
  return s.replace(/&([^;]*);|&/g, (m, ent: string | undefined) => {
    if (ent === undefined) throw new Error(`raw & at ${where}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ent in named) return named[ent]!;
    const num = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(ent);
    if (!num) throw new Error(`unknown entity &${ent}; at ${where}`);
    return String.fromCodePoint(num[1]!.startsWith('x') ? parseInt(num[1]!.slice(1), 16) : Number(num[1]));
  });
}

/** Parses `xml` and throws on the first well-formedness error. */
export function parseXmlStrict(xml: string): XmlElement {
  if (BAD_CHAR.test(xml)) throw new Error('character not allowed in XML 1.0');
  let i = 0;
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (text.includes('>') && text.includes(']]>')) throw new Error(`"]]>" in text at ${i}`);
    const decoded = decode(text, i);
    if (stack.length === 0) {
      if (decoded.trim() !== '') throw new Error(`text outside the root element at ${i}`);
    } else {
      stack[stack.length - 1]!.text += decoded;
    }
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
      continue;
    }
    if (xml.startsWith('</', i)) {
      const m = NAME.exec(xml.slice(i + 2));
      if (!m) throw new Error(`bad end tag at ${i}`);
      const close = xml.indexOf('>', i);
      if (xml.slice(i + 2 + m[0].length, close).trim() !== '') throw new Error(`junk in end tag at ${i}`);
      const open = stack.pop();
      if (!open || open.name !== m[0]) throw new Error(`</${m[0]}> does not close <${open?.name ?? '(nothing)'}> at ${i}`);
      i = close + 1;
      continue;
    }
    const m = NAME.exec(xml.slice(i + 1));
    if (!m) throw new Error(`bad start tag at ${i}`);
    const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
    let j = i + 1 + m[0].length;
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(j))![0];
      j += ws.length;
      if (xml.startsWith('/>', j) || xml[j] === '>') break;
      if (ws.length === 0) throw new Error(`missing space before attribute at ${j}`);
      const a = /^([A-Za-z_:][A-Za-z0-9_:.-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(xml.slice(j));
      if (!a) throw new Error(`bad attribute at ${j}: ${xml.slice(j, j + 30)}`);
      if (a[1]! in el.attrs) throw new Error(`duplicate attribute ${a[1]} at ${j}`);
      el.attrs[a[1]!] = decode(a[3] ?? a[4] ?? '', j);
      j += a[0].length;
    }
    if (root && stack.length === 0) throw new Error(`second root element at ${i}`);
    if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
    else root = el;
    if (xml.startsWith('/>', j)) {
      i = j + 2;
    } else {
      stack.push(el);
      i = j + 1;
    }
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1]!.name}> is not closed`);
  if (!root) throw new Error('no root element');
  return root;
}
