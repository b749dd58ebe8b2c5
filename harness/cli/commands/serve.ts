import type { Command } from 'commander';
import { UsageError } from '../exit.js';

/** Registers `faultline serve`. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UsageError('serve is not available in this build');
    });
}
