import type { Command } from 'commander';
import { UsageError } from '../exit.js';

/** Registers `faultline report`. */
export function register(program: Command): void {
  program
    .command('report')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UsageError('report is not available in this build');
    });
}
