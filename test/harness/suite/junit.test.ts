/**
 * JUnit output: well-formed XML (checked by a strict parser) even when names and messages hold
 * markup, quotes, ampersands and control characters; one testcase per entry; failures name the
 * anomaly and the report path; errors and entries that did not run are marked as such.
 */
import { describe, expect, it } from 'vitest';
import { renderJunit, xmlEscape } from '../../../harness/suite/junit.js';
import { renderIndexHtml } from '../../../harness/suite/html.js';
import { refresh, SUMMARY_FORMAT, type EntryResult, type SuiteSummary } from '../../../harness/suite/summary.js';
import { parseXmlStrict, type XmlElement } from '../../support/xml.js';

function entry(over: Partial<EntryResult>): EntryResult {
  return {
    id: 'kv/correct/register/none/seed-1', index: 0, system: 'kv', variant: 'correct', workload: 'register', nemesis: [], seed: 1,
    timeLimitS: 5, expect: 'valid', status: 'passed', runDir: 'runs/001-kv', valid: true, exitCode: 0, message: 'valid',
    firstAnomaly: null, durationMs: 6123, startedAt: '2026-11-24T05:00:00.000Z', command: 'faultline run --system kv', pid: null,
    ...over,
  };
}

const hostile = `<script>alert("x&y")</script> ' ]]> \u0001\u0007 tab\tend 🙂 \uD800`;

function summary(entries: EntryResult[]): SuiteSummary {
  return refresh({
    format: SUMMARY_FORMAT, name: 'smoke<&>', suiteFile: 'suites/smoke.json', state: 'running', shard: { index: 2, count: 3 },
    suiteEntries: 12, createdAt: '2026-11-24T05:00:00.000Z', updatedAt: '', ok: false,
    counts: { total: 0, pending: 0, running: 0, passed: 0, failed: 0, error: 0 }, entries,
  });
}

const cases = (root: XmlElement) => root.children[0]!.children.filter((c) => c.name === 'testcase');

describe('renderJunit', () => {
  const s = summary([
    entry({}),
    entry({ id: 'stale', index: 1, system: 'stale-kv', expect: 'valid', status: 'failed', valid: false, exitCode: 1, nemesis: ['kill', 'pause'],
      message: `linearizable not valid: read of ${hostile}`, firstAnomaly: { index: 17, timeNs: 2e9 }, runDir: 'runs/002-stale' }),
    entry({ id: 'crash', index: 2, variant: `v${hostile}`, status: 'error', valid: null, exitCode: 255, message: `no verdict (exit code 255): ${hostile}` }),
    entry({ id: 'later', index: 3, status: 'pending', valid: null, exitCode: null, message: null, durationMs: null, command: null }),
    entry({ id: 'cut', index: 4, status: 'running', valid: null, exitCode: null, message: null, durationMs: null }),
    entry({ id: 'missed', index: 5, expect: 'invalid', status: 'failed', valid: true, message: 'valid, but an anomaly was expected' }),
  ]);
  const xml = renderJunit(s);
  const root = parseXmlStrict(xml);

  it('is well-formed XML with one testcase per entry and the right totals', () => {
    expect(root.name).toBe('testsuites');
    const suite = root.children[0]!;
    expect(suite.name).toBe('testsuite');
    expect(suite.attrs).toMatchObject({ tests: '6', failures: '2', errors: '1', skipped: '2' });
    expect(suite.attrs.name).toBe('faultline smoke<&> (shard 2/3)');
    expect(cases(root)).toHaveLength(6);
    expect(cases(root)[1]!.attrs).toMatchObject({ classname: 'faultline.stale-kv.correct', name: 'register nemesis=kill,pause seed=1' });
  });

  it('names the anomaly and the report path in a failure message, with the text escaped and kept', () => {
    const failure = cases(root)[1]!.children.find((c) => c.name === 'failure')!;
    expect(failure.attrs.type).toBe('Anomaly');
    expect(failure.attrs.message).toContain('expected valid, got false: linearizable not valid: read of <script>alert("x&y")</script>');
    expect(failure.attrs.message).toContain('report: runs/002-stale/report.html');
    expect(failure.attrs.message).toContain('🙂');
    const missed = cases(root)[5]!.children.find((c) => c.name === 'failure')!;
    expect(missed.attrs.type).toBe('NotDetected');
  });

  it('marks entries without a verdict as errors and entries that did not run as skipped', () => {
    expect(cases(root)[2]!.children.map((c) => c.name)).toEqual(['error', 'system-out']);
    expect(cases(root)[3]!.children[0]).toMatchObject({ name: 'skipped', attrs: { message: 'did not run' } });
    expect(cases(root)[4]!.children[0]!.attrs.message).toMatch(/did not finish/);
    expect(cases(root)[0]!.children.map((c) => c.name)).toEqual(['system-out']);
  });

  it('escapes the five XML specials and drops characters XML cannot carry', () => {
    expect(xmlEscape(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(xmlEscape('a\u0000b\u001Fc\uFFFEd\uDC00e\uD83D\uDE42')).toBe('abcde\uD83D\uDE42');
  });
});

describe('renderIndexHtml', () => {
  it('escapes every value and links each run report', () => {
    const html = renderIndexHtml(summary([entry({ variant: '<img src=x onerror=alert(1)>', message: '<script>x</script>', runDir: 'runs/001 "a"' })]));
    expect(html).not.toContain('<script>x');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).toContain('href="runs/001%20%22a%22/report.html"');
    expect(html).toContain('smoke&lt;&amp;&gt;');
  });
});

describe('the strict XML check used above', () => {
  it.each([['<a><b></a></b>'], ['<a x="1" x="2"/>'], ['<a>&</a>'], ['<a>&nbsp;</a>'], ['<a>\u0001</a>'], ['<a x=1/>'], ['<a></a><b/>'], ['<a x="<"/>'], ['<a>']])(
    'rejects %j',
    (xml) => {
      expect(() => parseXmlStrict(xml)).toThrow();
    },
  );
});
