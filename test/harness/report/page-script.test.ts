/**
 * The page script as the build joins it (scripts/postbuild.mjs): one classic script holding every
 * module of harness/report/page, with no module syntax left, that a browser can parse.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportPageScript } from '../../../harness/report/page-script.js';

const PAGE = resolve('harness/report/page');

describe('the report page script', () => {
  it('holds every page module built no earlier than its source, and nothing the browser could not run as one script', () => {
    // Arrange: the modules with code (types.ts has only types and the outcome codes data.ts uses).
    const modules = readdirSync(PAGE).filter((f) => f.endsWith('.ts') && f !== 'types.ts');
    const built = statSync(resolve('dist/harness/report/report-page.js')).mtimeMs;
    // Act
    const script = reportPageScript();
    // Assert
    for (const f of modules) {
      expect(script, f).toContain(`// ${f.replace(/\.ts$/, '.js')}\n`);
      expect(statSync(join(PAGE, f)).mtimeMs, `${f} changed after the last build: npm run build`).toBeLessThanOrEqual(built);
    }
    expect(script).not.toMatch(/^\s*(import|export)\b/m);
    expect(script.startsWith('(function () {')).toBe(true);
    // Parsing as a function body is a syntax check that runs none of it.
    expect(() => new Function(script)).not.toThrow();
  });
});
