// After tsc: make the CLI entry executable, copy each system's manifest
// (systems/**/faultline.system.json) next to its built main.js, so that dist/ is self-contained,
// and join the report page's modules into one script.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'dist/harness/cli/main.js');
if (existsSync(bin)) chmodSync(bin, 0o755);

function copyManifests(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) copyManifests(p);
    else if (name === 'faultline.system.json') {
      const out = join(root, 'dist', relative(root, p));
      mkdirSync(dirname(out), { recursive: true });
      copyFileSync(p, out);
    }
  }
}
copyManifests(join(root, 'systems'));

// The report page: its modules (built by harness/report/page/tsconfig.json) joined into one
// script, inlined into every report.html, which must work from one file with no loader. Each
// module's imports come before it; `import`/`export` lines are removed, so the modules share one
// function scope, and a name declared at the top of two modules is an error here, not a silent
// shadowing in the page.
const pageDir = join(root, 'dist/harness/report/page');
const pageOut = join(root, 'dist/harness/report/report-page.js');
const IMPORT = /^import \{[^}]*\} from '\.\/([\w-]+)\.js';$/;
const TOP_DECL = /^(?:export )?(?:async )?(?:function\*?|const|let|var|class) ([\w$]+)/;

function bundlePage(entry) {
  const order = [];
  const state = new Map();
  const visit = (name, from) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`report page: import cycle through ${name}.js (from ${from}.js)`);
    state.set(name, 'visiting');
    const file = join(pageDir, `${name}.js`);
    if (!existsSync(file)) throw new Error(`report page: ${from}.js imports ${name}.js, which was not built`);
    const lines = readFileSync(file, 'utf8').split('\n');
    const body = [];
    lines.forEach((line, i) => {
      const m = IMPORT.exec(line);
      if (m) return visit(m[1], name);
      if (/^\s*(import|export)\b/.test(line) && !/^export (?:async )?(?:function|const|let|var|class) /.test(line) && line !== 'export {};') {
        throw new Error(`report page: ${name}.js:${i + 1}: only \`import { a, b } from './x.js'\` and \`export <declaration>\` can be joined: ${line}`);
      }
      if (line === 'export {};') return;
      body.push(line.replace(/^export /, ''));
    });
    state.set(name, 'done');
    order.push({ name, body });
  };
  visit(entry, entry);
  const declared = new Map();
  for (const { name, body } of order) {
    for (const line of body) {
      const m = TOP_DECL.exec(line);
      if (!m) continue;
      if (declared.has(m[1])) throw new Error(`report page: ${m[1]} is declared at the top of both ${declared.get(m[1])}.js and ${name}.js`);
      declared.set(m[1], name);
    }
  }
  const parts = order.map(({ name, body }) => `// ${name}.js\n${body.join('\n').trim()}`);
  return `(function () {\n'use strict';\n${parts.join('\n')}\n})();\n`;
}
if (existsSync(join(pageDir, 'main.js'))) writeFileSync(pageOut, bundlePage('main'));
