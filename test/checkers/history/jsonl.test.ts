import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatEvent, HistoryError, parseJsonl, readHistory, readJsonlFile } from '../../../checkers/history/index.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'faultline-history-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function errorOf(fn: () => unknown): HistoryError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HistoryError);
    return err as HistoryError;
  }
  throw new Error('expected a HistoryError');
}

describe('parseJsonl', () => {
  it('reads events, skips blank lines and keeps the source lines', () => {
    const text = [
      '{"index":0,"time":5,"type":"invoke","process":3,"f":"cas","value":["x",[1,2]]}',
      '',
      '{"index":1,"time":9,"type":"ok","process":3,"f":"cas","value":["x",[1,2]],"node":"n2"}',
      '{"index":2,"type":"info","process":"nemesis","f":"start-partition","extra":true}',
    ].join('\n');
    const h = parseJsonl(text, 'h.jsonl');
    expect(h.events).toHaveLength(3);
    expect(h.lines).toEqual([1, 3, 4]);
    expect(h.events[1]).toMatchObject({ type: 'ok', node: 'n2', value: ['x', [1, 2]] });
    // Unknown fields are kept, not dropped.
    expect((h.events[2] as unknown as Record<string, unknown>).extra).toBe(true);
  });

  it.each([
    ['{"index":0,"type":"invoke","process":1,"f":"read"', 'h.jsonl:1: not valid JSON'],
    ['[1,2]', 'h.jsonl:1: expected one JSON object per line'],
    ['{"index":0,"type":"begin","process":1,"f":"read"}', 'h.jsonl:1: field "type" must be one of'],
    ['{"index":0,"type":"invoke","process":"p1","f":"read"}', 'h.jsonl:1: field "process" expected a non-negative integer or "nemesis" or "status" or "service"'],
    ['{"index":0,"type":"invoke","process":1}', 'h.jsonl:1: field "f" is required'],
    ['{"index":-1,"type":"invoke","process":1,"f":"read"}', 'h.jsonl:1: field "index"'],
  ])('reports %s as one line with file:line', (line, message) => {
    const err = errorOf(() => parseJsonl(line, 'h.jsonl'));
    expect(err.message.startsWith(message)).toBe(true);
    expect(err.message).not.toContain('\n');
    expect(err.line).toBe(1);
  });

  it('rejects an index that does not increase, naming the line', () => {
    const text = '{"index":0,"type":"invoke","process":1,"f":"read"}\n{"index":0,"type":"ok","process":1,"f":"read"}';
    expect(errorOf(() => parseJsonl(text, 'h.jsonl')).message).toMatch(/^h\.jsonl:2: index 0 does not increase/);
  });

  it('enforces the event limit', () => {
    const text = '{"index":0,"type":"invoke","process":1,"f":"read"}\n{"index":1,"type":"ok","process":1,"f":"read"}';
    expect(errorOf(() => parseJsonl(text, 'h.jsonl', 1)).message).toMatch(/^h\.jsonl:2: more than 1 events/);
  });
});

describe('formatEvent and the streaming reader', () => {
  it('reads back the lines formatEvent writes', async () => {
    const path = join(tempDir(), 'history.jsonl');
    const written = [
      { index: 0, type: 'invoke', process: 0, f: 'write', value: ['k', 1], time: 10 },
      { index: 1, type: 'ok', process: 0, f: 'write', value: ['k', 1], time: 20, node: 'n1' },
      { index: 2, type: 'info', process: 'nemesis', f: 'kill', value: ['n1'] },
    ] as const;
    writeFileSync(path, written.map((e) => formatEvent(e) + '\n').join(''));
    const h = await readJsonlFile(path);
    expect(h.events.map((e) => e.index)).toEqual([0, 1, 2]);
    expect(h.events[1]).toEqual({ index: 1, time: 20, type: 'ok', process: 0, f: 'write', value: ['k', 1], node: 'n1' });
    const again = await readHistory(path);
    expect(again.events).toEqual(h.events);
  });

  it('reports a bad line of a streamed file with its line number', async () => {
    const path = join(tempDir(), 'h.jsonl');
    writeFileSync(path, '{"index":0,"type":"invoke","process":1,"f":"read"}\n\n{"index":1,"type":"ok","process":1}\n');
    await expect(readHistory(path)).rejects.toThrow(`${path}:3: field "f" is required`);
  });

  it('reports a missing file as bad input', async () => {
    await expect(readHistory(join(tempDir(), 'nope.jsonl'))).rejects.toThrow(/cannot read \(ENOENT\)/);
  });
});
