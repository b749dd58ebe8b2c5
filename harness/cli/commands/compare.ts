import type { Command } from 'commander';
import { UsageError } from '../exit.js';

/** Registers `faultline compare`. */
export function register(program: Command): void {
  program
    .command('compare')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UsageError('compare is not available in this build');
    });
}
