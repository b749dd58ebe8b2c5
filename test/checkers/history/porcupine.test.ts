import { describe, expect, it } from 'vitest';
import { parseHistory, parsePorcupineEtcd, parsePorcupineKv, sniffFormat } from '../../../checkers/history/index.js';

describe('Porcupine etcd logs', () => {
  it('reads op lines with tabs or spaces and skips other log lines', () => {
    const text = [
      'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
      'INFO  jepsen.core - some other log line',
      'INFO  jepsen.util - 2\t:invoke\t:cas\t[3 0]',
      'INFO  jepsen.util - 0\t:ok\t:read\t3',
      'INFO  jepsen.util - 2   :info   :cas   :timed-out',
      'INFO  jepsen.util - 3   :fail   :read   :timed-out',
    ].join('\n');
    const h = parsePorcupineEtcd(text, 'etcd.log');
    expect(h.events).toEqual([
      { index: 0, type: 'invoke', process: 0, f: 'read', value: null },
      { index: 1, type: 'invoke', process: 2, f: 'cas', value: [3, 0] },
      { index: 2, type: 'ok', process: 0, f: 'read', value: 3 },
      { index: 3, type: 'info', process: 2, f: 'cas', error: 'timed-out' },
      { index: 4, type: 'fail', process: 3, f: 'read', error: 'timed-out' },
    ]);
    expect(h.lines).toEqual([1, 3, 4, 5, 6]);
  });

  it('reports an unreadable op line with file:line', () => {
    expect(() => parsePorcupineEtcd('INFO  jepsen.util - 0\t:invoke\t:read\t{x}', 'e.log')).toThrow(/^e\.log:1: cannot read the value/);
  });
});

describe('Porcupine kv logs', () => {
  it('reads [key, value] ops', () => {
    const text = '{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}\n{:process 1, :type :invoke, :f :get, :key "7", :value nil}\n';
    expect(parsePorcupineKv(text).events).toEqual([
      { index: 0, type: 'invoke', process: 0, f: 'append', value: ['0', 'x 0 0 y'] },
      { index: 1, type: 'invoke', process: 1, f: 'get', value: ['7', null] },
    ]);
  });

  it('rejects a line in another shape', () => {
    expect(() => parsePorcupineKv('{:process 0, :type :invoke}\n', 'c.txt')).toThrow(/^c\.txt:1: expected \{:process N/);
  });

  it('names the line of a string whose escape is not one', () => {
    const text = '{:process 0, :type :invoke, :f :put, :key "k", :value "a"}\n{:process 0, :type :ok, :f :put, :key "k\\q", :value "a"}\n';
    expect(() => parsePorcupineKv(text, 'c.txt')).toThrow(/^c\.txt:2: bad escape in the string "k\\\\q"/);
  });
});

describe('format sniffing', () => {
  it.each([
    ['{"index":0,"type":"invoke","process":0,"f":"read"}', 'jsonl'],
    ['INFO  jepsen.util - 0\t:invoke\t:read\tnil', 'porcupine-etcd'],
    ['{:process 0, :type :invoke, :f :get, :key "7", :value nil}', 'porcupine-kv'],
    ['[{:process 0, :type :invoke, :f :read}]', 'edn'],
    ['; comment\n{:type :invoke, :f :txn, :process 0}', 'edn'],
    ['', 'jsonl'],
    ['hello', null],
  ])('%j is %s', (text, format) => {
    expect(sniffFormat(text)).toBe(format);
  });

  it('says how to name the format when it cannot tell', () => {
    expect(() => parseHistory('hello world', { file: 'x.txt' })).toThrow(/^x\.txt: cannot tell the history format.*--format/);
  });
});
