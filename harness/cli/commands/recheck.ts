import type { Command } from 'commander';
import { UsageError } from '../exit.js';

/** Registers `faultline recheck`. */
export function register(program: Command): void {
  program
    .command('recheck')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UsageError('recheck is not available in this build');
    });
}
