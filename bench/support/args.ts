/**
 * The flags of a bench script, read with node's own `parseArgs` in strict mode: `--help` prints
 * the script's usage (its header comment's examples) and exits 0; an unknown flag, or a flag
 * without its value, prints one line and the usage and exits 254, instead of starting a series
 * of runs that may take hours with the flag ignored.
 */
import { parseArgs } from 'node:util';

/** What a bench reads of its flags. */
export interface BenchFlags {
  /** The value of `--name`, or `dflt` when it is not given. */
  arg(name: string, dflt: string): string;
  /** Whether the boolean `--name` is given. */
  has(name: string): boolean;
}

/** Reads `argv` (default: this process's) for the flags named (`--x`), exiting on `--help` or a bad flag. */
export function benchFlags(script: string, usage: string, valued: readonly string[], booleans: readonly string[] = [], argv = process.argv.slice(2)): BenchFlags {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const f of valued) options[f.replace(/^--/, '')] = { type: 'string' };
  for (const f of booleans) options[f.replace(/^--/, '')] = { type: 'boolean' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as typeof values;
  } catch (err) {
    process.stderr.write(`${script}: ${(err as Error).message}\n${usage}\n`);
    process.exit(254);
  }
  if (values.help === true) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const key = (name: string) => name.replace(/^--/, '');
  return {
    arg: (name, dflt) => {
      const v = values[key(name)];
      return typeof v === 'string' ? v : dflt;
    },
    has: (name) => values[key(name)] === true,
  };
}
