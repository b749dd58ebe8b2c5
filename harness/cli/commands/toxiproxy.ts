import type { Command } from 'commander';
import { UsageError } from '../exit.js';

/** Registers `faultline toxiproxy`. */
export function register(program: Command): void {
  program
    .command('toxiproxy')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new UsageError('toxiproxy is not available in this build');
    });
}
