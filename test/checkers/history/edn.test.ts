import { describe, expect, it } from 'vitest';
import { HistoryError, parseEdn, parseHistory, toJepsenEdn } from '../../../checkers/history/index.js';

describe('EDN import', () => {
  it('reads a vector of ops, turning keywords into strings and nil into null', () => {
    const h = parseEdn('[{:process 0, :type :invoke, :f :cas, :value [1 2]}\n {:process 0, :type :ok, :f :read, :value nil}]');
    expect(h.events).toEqual([
      { index: 0, process: 0, type: 'invoke', f: 'cas', value: [1, 2] },
      { index: 1, process: 0, type: 'ok', f: 'read', value: null },
    ]);
  });

  it('reads a bare sequence of maps with comments, and the nemesis process', () => {
    const text = '; a comment\n{:type :invoke, :f :txn, :value [[:read :x nil]], :process 3, :time 7, :index 9}\n; more\n{:type :info, :f :start, :process :nemesis}\n';
    const h = parseEdn(text);
    expect(h.events[0]).toEqual({ index: 0, sourceIndex: 9, type: 'invoke', f: 'txn', value: [['read', 'x', null]], process: 3, time: 7 });
    expect(h.events[1]).toMatchObject({ index: 1, process: 'nemesis', type: 'info', f: 'start' });
  });

  it('reports a malformed op with its position', () => {
    expect(() => parseEdn('[{:process 0, :type :invoke, :f :read} {:process 0, :type :done, :f :read}]', 'k.edn')).toThrow(
      /^k\.edn:1: operation 2: :type must be one of/,
    );
    expect(() => parseEdn('[{:process 0 :type', 'k.edn')).toThrow(HistoryError);
    expect(() => parseEdn('[1 2]', 'k.edn')).toThrow(/^k\.edn:1: operation 1: expected a map, found number/);
  });
});

describe('EDN records without :process or :f', () => {
  it('gives each invocation a fresh process above the file\'s ids and pairs completions in order; a micro-op vector is a txn', () => {
    // Arrange: the shape of the Elle paper's example, plus one ordinary client op.
    const text = `{:process 4 :type :invoke :f :txn :value [[:r :x nil]]}
{:process 4 :type :ok :f :txn :value [[:r :x []]]}
{:index 0 :type :invoke :value [[:append :x 1]]}
{:index 1 :type :ok :value [[:append :x 1]]}
{:index 2 :type :invoke :value [[:append :x 2]]}
{:index 3 :type :invoke :value [[:r :x nil]]}
{:index 4 :type :ok :value [[:append :x 2]]}
{:index 5 :type :info :value [[:r :x nil]]}`;
    // Act
    const { events } = parseEdn(text);
    // Assert
    expect(events.map((e) => [e.type, e.process, e.f])).toEqual([
      ['invoke', 4, 'txn'],
      ['ok', 4, 'txn'],
      ['invoke', 5, 'txn'],
      ['ok', 5, 'txn'],
      ['invoke', 6, 'txn'],
      ['invoke', 7, 'txn'],
      ['ok', 6, 'txn'],
      ['info', 7, 'txn'],
    ]);
  });

  it('still rejects a record with no :f whose value is not a transaction', () => {
    expect(() => parseEdn('[{:type :invoke :process 0 :value 3}]')).toThrow(HistoryError);
  });
});

describe('EDN export', () => {
  it('round-trips through the importer', () => {
    const events = [
      { index: 0, time: 12, type: 'invoke' as const, process: 3, f: 'cas', value: ['x', [1, 2]] },
      { index: 1, time: 15, type: 'fail' as const, process: 3, f: 'cas', value: ['x', [1, 2]], error: 'precondition-failed' },
      { index: 2, type: 'info' as const, process: 'nemesis' as const, f: 'start-partition', value: { n1: ['n2'] } },
    ];
    const text = toJepsenEdn(events);
    expect(text).toContain(':type :invoke');
    expect(text).toContain(':process :nemesis');
    expect(text).toContain(':error :precondition-failed');
    const back = parseHistory(text, { format: 'auto' }).events.map((ev) => {
      const { sourceIndex, ...e } = ev as unknown as Record<string, unknown>;
      return e;
    });
    expect(back).toEqual(events);
  });
});
