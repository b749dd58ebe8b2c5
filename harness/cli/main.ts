#!/usr/bin/env node
/**
 * The faultline command line: one program, one sub-command per job.
 *
 *   faultline check <history>     check a stored history (linearizability or transactional)
 *   faultline run                 start a system, drive clients under faults, check the history
 *   faultline recheck <run dir>   re-run the checkers on a stored run
 *   faultline toxiproxy           the embedded Toxiproxy-compatible server, standalone
 *   faultline report <run dir>    write a run's HTML report
 *   faultline serve               browse the runs under results/
 *   faultline compare             run every variant of a system side by side
 *   faultline suite <file>        run a matrix of tests, as CI does
 *
 * Each sub-command lives in `commands/<name>.ts` and exports `register(program)`. Errors that
 * carry an exit code (`FaultlineError`) are printed as one line; anything else is a crash (255).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { EXIT, FaultlineError } from './exit.js';
import { commands } from './commands/index.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('faultline')
    .description('Fault-injection test harness for the patterns of distributed systems')
    .version(VERSION)
    .exitOverride()
    // Commander's own parse errors read like every other faultline error: one line, one prefix.
    .configureOutput({ outputError: (text, write) => write(`faultline: ${text.replace(/^error: /, '')}`) });
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.valid;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; every other parse failure is a bad argument.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return EXIT.valid;
      }
      return EXIT.badInput;
    }
    if (err instanceof FaultlineError) {
      process.stderr.write(`faultline: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`faultline: internal error: ${e?.stack ?? String(err)}\n`);
    return EXIT.crash;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`faultline: internal error: ${String(err)}\n`);
    process.exitCode = EXIT.crash;
  },
  );
}
