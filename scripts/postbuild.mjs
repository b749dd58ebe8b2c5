// After tsc: make the CLI entry executable, and copy each system's manifest
// (systems/**/faultline.system.json) next to its built main.js, so that dist/ is self-contained.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
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
