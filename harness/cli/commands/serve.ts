/**
 * `faultline serve [--port 8080] [--host 127.0.0.1] [--results-dir results]`: browse the runs
 * under a results folder in a web browser (see harness/report/serve.ts). Runs until interrupted.
 */
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import { startServer } from '../../report/serve.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function parsePort(v: string): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(v)}`);
  const n = Number(v);
  if (n > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got ${v}`);
  return n;
}

/** Registers `faultline serve`. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('browse the runs under the results folder: reports, histories, node logs, comparisons')
    .option('--port <port>', 'TCP port (0 picks a free one)', '8080')
    .option('--host <address>', 'address to bind (loopback unless told otherwise)', '127.0.0.1')
    .option('--results-dir <dir>', 'the folder holding the runs', 'results')
    .action(async (opts: { port: string; host: string; resultsDir: string }) => {
      const port = parsePort(opts.port);
      const srv = await startServer({ port, host: opts.host, resultsDir: opts.resultsDir });
      if (!LOOPBACK.has(opts.host)) {
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
