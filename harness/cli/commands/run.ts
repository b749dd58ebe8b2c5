import type { Command } from 'commander';
import { UsageError } from '../exit.js';

/** Registers `faultline run`. */
export function register(program: Command): void {
  program
    .command('run')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UsageError('run is not available in this build');
    });
}
