import type { Command } from 'commander';
import { UsageError } from '../exit.js';

/** Registers `faultline suite`. */
export function register(program: Command): void {
  program
    .command('suite')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UsageError('suite is not available in this build');
    });
}
