/**
 * `faultline serve [--port 8080] [--host 127.0.0.1] [--results-dir results] [--allow-remote]`:
 * browse the runs under a results folder in a web browser (see harness/report/serve.ts). Runs
 * until interrupted. A non-loopback --host needs --allow-remote, since anyone who can reach it
 * reads the results.
 */
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import { parseDecimalInt } from '../flags.js';
import { startServer } from '../../report/serve.js';
import { isLoopbackHost } from '../../toxiproxy/address.js';

/** Registers `faultline serve`. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('browse the runs under the results folder: reports, histories, node logs, comparisons')
    .option('--port <port>', 'TCP port (0 picks a free one)', '8080')
    .option('--host <address>', 'address to bind (loopback unless told otherwise)', '127.0.0.1')
    .option('--results-dir <dir>', 'the folder holding the runs', 'results')
    .option('--allow-remote', 'allow a non-loopback --host, so that other machines can read these results')
    .action(async (opts: { port: string; host: string; resultsDir: string; allowRemote?: boolean }) => {
      const port = parseDecimalInt('--port', opts.port, { min: 0, max: 65535 });
      const remote = !isLoopbackHost(opts.host);
      if (remote && opts.allowRemote !== true) {
        throw new UsageError(`--host ${opts.host} is not a loopback address; pass --allow-remote to let other machines read these results`);
      }
      const srv = await startServer({ port, host: opts.host, resultsDir: opts.resultsDir });
      if (remote) {
        process.stderr.write(`faultline serve: warning: bound to ${opts.host}, so other machines can read these results\n`);
      }
      process.stdout.write(`faultline serve: ${srv.url} (results from ${opts.resultsDir}; Ctrl-C to stop)\n`);
      const stop = () => {
        void srv.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
