/**
 * The datadriven script format (systems/lib/sim/script.ts): directives and their expected
 * outputs, comments kept on rewrite, outputs with blank lines in the long form, mismatches
 * reported by line, and bad scripts named by file and line.
 */
import { describe, expect, test } from 'vitest';
import { intArg, parseScript, runScript, ScriptError } from '../../../../systems/lib/sim/script.js';

const SCRIPT = `# a comment
echo a b
----
a b

# another
echo
----
ok
`;

describe('scenario scripts', () => {
  test('parses commands, arguments, expected outputs and the comments before them', () => {
    // Act
    const ds = parseScript(SCRIPT, 'x.txt');
    // Assert
    expect(ds.map((d) => [d.line, d.command, d.args, d.expected, d.before])).toEqual([
      [2, 'echo', ['a', 'b'], 'a b', '# a comment'],
      [7, 'echo', [], 'ok', '# another'],
    ]);
  });

  test('a script whose outputs match rewrites to itself; a mismatch names the line and both outputs', () => {
    // Arrange
    const echo = (d: { args: string[] }): string => d.args.join(' ');
    // Act
    const same = runScript(SCRIPT, 'x.txt', echo);
    const other = runScript(SCRIPT, 'x.txt', (d) => `${echo(d)}!`);
    // Assert
    expect(same.mismatches).toEqual([]);
    expect(same.rewritten).toBe(SCRIPT);
    expect(other.mismatches).toEqual([
      { line: 2, command: 'echo a b', expected: 'a b', actual: 'a b!' },
      { line: 7, command: 'echo', expected: 'ok', actual: '!' },
    ]);
    expect(parseScript(other.rewritten, 'x.txt').map((d) => d.expected)).toEqual(['a b!', '!']);
  });

  test('an output with blank lines is written in the long form and read back whole', () => {
    // Arrange
    const text = 'show\n----\nold\n';
    // Act
    const r = runScript(text, 'x.txt', () => 'one\n\ntwo');
    // Assert
    expect(r.rewritten).toBe('show\n----\n----\none\n\ntwo\n----\n----\n');
    expect(parseScript(r.rewritten, 'x.txt')[0]!.expected).toBe('one\n\ntwo');
  });

  test('bad scripts and bad arguments are named by file and line', () => {
    expect(() => parseScript('# c\nrun\noops\n', 'a.txt')).toThrow(new ScriptError({ file: 'a.txt', line: 2 }, 'expected "----" after the command "run"'));
    expect(() => parseScript('show\n----\n----\nx\n', 'a.txt')).toThrow(/^a\.txt:1: the output of "show" is not closed/);
    const [d] = parseScript('tick n1 0x5\n----\nok\n', 'b.txt');
    expect(() => intArg(d!, 1, 'the number of ticks', 1)).toThrow('b.txt:1: tick: the number of ticks must be a decimal integer of at least 1, got "0x5"');
    expect(() => runScript('boom\n----\nok\n', 'c.txt', () => { throw new Error('no such thing'); })).toThrow('c.txt:1: boom: no such thing');
  });
});
