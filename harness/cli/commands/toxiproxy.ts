/**
 * `faultline toxiproxy`: the embedded Toxiproxy-compatible server, standalone.
 *
 *   faultline toxiproxy [--host 127.0.0.1] [--port 8474] [--config proxies.json] [--seed n] [--proxy-metrics]
 *                       [--allow-remote]
 *
 * Same defaults as toxiproxy-server (loopback only, port 8474). Unlike it, a non-loopback API host
 * or proxy listen address needs `--allow-remote`: the API has no authentication and opens
 * listeners to any upstream. `--config` takes a JSON array in
 * /populate format, applied before the API listens; unlike the real server, a bad config file is
 * an error (exit 254) rather than a log line. SIGINT/SIGTERM stop every proxy and exit 0.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import { parseDecimalInt } from '../flags.js';
import { parseJsonText } from '../../source-text.js';
import { isLoopbackHost } from '../../toxiproxy/address.js';
import { ApiError } from '../../toxiproxy/errors.js';
import { SEED_MAX, freshSeed } from '../../random.js';
import { parseProxySpecs, startToxiproxyServer } from '../../toxiproxy/server.js';

interface Options {
  host: string;
  port: string;
  config?: string;
  seed?: string;
  proxyMetrics?: boolean;
  allowRemote?: boolean;
}

/** Reads and parses a config file; errors name the file (and line, for JSON syntax errors). */
function readConfig(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--config ${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseJsonText(text, path);
}

/** Registers `faultline toxiproxy`. */
export function register(program: Command): void {
  program
    .command('toxiproxy')
    .description('run the embedded Toxiproxy-compatible fault proxy (HTTP API of toxiproxy-server 2.12)')
    .option('--host <host>', 'API bind address', '127.0.0.1')
    .option('--port <port>', 'API port (0 picks a free one)', '8474')
    .option('--config <file>', 'JSON array of proxies to create at start (/populate format)')
    .option('--seed <n>', 'seed of the toxics\' random decisions (toxicity, jitter, slicer)')
    .option('--proxy-metrics', 'serve /metrics with per-proxy byte counters (Prometheus text)')
    .option('--allow-remote', 'allow a non-loopback --host and proxy listen addresses (0.0.0.0, [::], other interfaces)')
    .action(async (opts: Options) => {
      const port = parseDecimalInt('--port', opts.port, { min: 0, max: 65535 });
      const seed = opts.seed === undefined ? freshSeed() : parseDecimalInt('--seed', opts.seed, { min: 0, max: SEED_MAX });
      const allowRemote = opts.allowRemote === true;
      if (!allowRemote && !isLoopbackHost(opts.host)) {
        throw new UsageError(
          `--host ${opts.host} is not a loopback address; the API has no authentication and opens listeners to any upstream, so pass --allow-remote to listen there`,
        );
      }
      const config = opts.config === undefined ? undefined : readConfig(opts.config);
      let specs;
      try {
        specs = config === undefined ? [] : parseProxySpecs(config);
      } catch (e) {
        throw new UsageError(`${opts.config}: ${(e as Error).message}`);
      }
      let server;
      try {
        server = await startToxiproxyServer({ host: opts.host, port, seed, proxyMetrics: opts.proxyMetrics === true, allowRemote });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code ?? err.message;
        throw new UsageError(`cannot listen on ${opts.host}:${port}: ${why}`);
      }
      if (specs.length > 0) {
        let failure: string | undefined;
        try {
          const r = await server.api.populate(specs);
          if (r.error) failure = r.error.message;
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          failure = e.message;
        }
        if (failure !== undefined) {
          await server.close();
          throw new UsageError(`${opts.config}: ${failure}`);
        }
      }
      process.stdout.write(`faultline toxiproxy: API on ${server.url} (seed ${seed}, ${specs.length} proxies from config)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          server.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
