import type { Command } from 'commander';
import { UsageError } from '../exit.js';

/** Registers `faultline check`. */
export function register(program: Command): void {
  program
    .command('check')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UsageError('check is not available in this build');
    });
}
