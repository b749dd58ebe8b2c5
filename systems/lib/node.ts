/**
 * Node process lifecycle, the same for every system: read the config, build the clock, logger and
 * rng, print `ready` on stdout once the client port listens, write logs to stderr, and exit when
 * stdin closes (the harness closes it to stop a node; it uses SIGKILL for crashes). A failure at
 * start exits with one line on stderr: 254 for a bad config, 3 for damaged durable state, 255 for
 * anything else.
 */
import { Clock } from './clock.js';
import { ConfigError, EXIT_BAD_CONFIG, loadConfigFromArgv, type NodeConfig } from './config.js';
import { Logger } from './log.js';
import { rngFromParams, type Rng } from './rng.js';

/** Exit code of a node that failed for a reason other than its config. */
export const EXIT_NODE_CRASH = 255;

/**
 * Exit code of a node that found its durable state damaged (a checksum, a cut) and refuses to
 * start from it: the harness's `disk` fault holds a system claiming `"disk": "detects"` to it.
 */
export const EXIT_DISK_DAMAGED = 3;

/** Everything a system's main needs besides its own logic. */
export interface NodeRuntime {
  config: NodeConfig;
  clock: Clock;
  logger: Logger;
  rng: Rng;
}

/**
 * Loads `--config` (exit 254 on a bad one, or on a variant not in `variants`), builds the runtime
 * and arranges for the process to exit when stdin closes. `params.logMessages: true` turns on the
 * `@msg` peer-message log lines.
 */
export function createNode(variants: readonly string[], argv: string[] = process.argv.slice(2)): NodeRuntime {
  const config = loadConfigFromArgv(argv, variants);
  const clock = new Clock();
  const logger = new Logger(config.id, clock, config.params.logMessages === true);
  const rng = rngFromParams(config.params, config.id);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
  process.on('uncaughtException', (e) => {
    logger.info(`fatal: ${e.stack ?? e.message}`);
    process.exit(EXIT_NODE_CRASH);
  });
  process.on('unhandledRejection', (e) => {
    logger.info(`fatal: ${(e as Error)?.stack ?? String(e)}`);
    process.exit(EXIT_NODE_CRASH);
  });
  return { config, clock, logger, rng };
}

/** Prints the `ready` line the harness waits for; call once the client port listens. */
export function announceReady(rt: NodeRuntime, facts: string = ''): void {
  rt.logger.info(`ready (variant ${rt.config.variant})${facts ? ' ' + facts : ''}`);
  process.stdout.write('ready\n');
}

/**
 * Ends the process because of a bad config value found after loading (for example a param out of
 * range): one line on stderr, exit 254.
 */
export function exitBadConfig(message: string): never {
  process.stderr.write(`bad config: ${message}\n`);
  process.exit(EXIT_BAD_CONFIG);
}

/** Runs `fn` and turns a thrown ConfigError into {@link exitBadConfig}. */
export function withConfigErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigError) exitBadConfig(e.message);
    throw e;
  }
}

/**
 * Ends the process after a fatal error at start (a corrupt log, a port in use): one line on stderr,
 * exit 255.
 */
export function exitFatal(rt: NodeRuntime, message: string, code: number = EXIT_NODE_CRASH): never {
  rt.logger.info(`fatal: ${message}`);
  process.exit(code);
}
