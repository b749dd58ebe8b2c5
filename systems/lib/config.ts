/**
 * Node configuration: the JSON file the harness writes for each node and passes as
 * `--config <file>` (see docs/formats.md, "System manifest"). Every system starts by calling
 * {@link loadConfigFromArgv}; a bad file ends the process with one line on stderr and exit 254,
 * so that the harness can show the user a clear reason instead of a stack trace.
 */
import { readFileSync } from 'node:fs';

/** Exit code of a node given a bad command line or config (same as the CLI's "bad input"). */
export const EXIT_BAD_CONFIG = 254;

/** The validated node config. */
export interface NodeConfig {
  /** This node's id, e.g. `n1`. */
  id: string;
  /** The variant to run (`correct` or a named broken variant). */
  variant: string;
  /** TCP port on 127.0.0.1 where clients and the harness connect. */
  clientPort: number;
  /** TCP port on 127.0.0.1 where peers connect (through their proxies). */
  peerPort: number;
  /** The other nodes: id -> "host:port" to dial (the proxy in front of that peer). */
  peers: Record<string, string>;
  /** A directory owned by this node; it survives restarts. */
  dataDir: string;
  /** Free-form system parameters. */
  params: Record<string, unknown>;
  /**
   * A secret shared by the nodes of one cluster (one per run). A node sends it first on every
   * peer connection it opens and closes inbound peer connections that do not, so that only the
   * peers of its own cluster reach its peer port. Absent: peer connections are not checked.
   */
  clusterToken?: string;
  /**
   * The processes of the system's other roles (the manifest's `roles`): role name -> process id
   * -> "host:port" of its client port. Absent or empty when the system has no roles.
   */
  roles?: Record<string, Record<string, string>>;
}

/** A config that cannot be used; the message is one line, meant for the user. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function isPort(v: unknown, allowZero: boolean): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= (allowZero ? 0 : 1) && v <= 65535;
}

/** Parses "host:port" into its parts, or throws ConfigError naming the peer. */
export function parseHostPort(peerId: string, addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const host = i > 0 ? addr.slice(0, i) : '';
  const port = Number(addr.slice(i + 1));
  if (i <= 0 || !isPort(port, false) || host.length === 0) {
    throw new ConfigError(`peers.${peerId}: expected "host:port", got ${JSON.stringify(addr)}`);
  }
  return { host, port };
}

/**
 * Validates a parsed config object. Throws {@link ConfigError} with a one-line message naming the
 * first bad field. Unknown top-level fields are rejected so that typos do not pass silently.
 */
export function validateConfig(raw: unknown): NodeConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('expected a JSON object');
  }
  const o = raw as Record<string, unknown>;
  const known = new Set(['id', 'variant', 'clientPort', 'peerPort', 'peers', 'dataDir', 'params', 'clusterToken', 'roles']);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new ConfigError(`unknown field "${k}"`);
  if (typeof o.id !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(o.id)) {
    throw new ConfigError('id: expected a name of 1-64 letters, digits, "_", "." or "-"');
  }
  const variant = o.variant === undefined ? 'correct' : o.variant;
  if (typeof variant !== 'string' || variant.length === 0 || variant.length > 100) {
    throw new ConfigError('variant: expected a non-empty string');
  }
  if (!isPort(o.clientPort, true)) throw new ConfigError('clientPort: expected an integer 0-65535');
  const peerPort = o.peerPort === undefined ? 0 : o.peerPort;
  if (!isPort(peerPort, true)) throw new ConfigError('peerPort: expected an integer 0-65535');
  const peersRaw = o.peers === undefined ? {} : o.peers;
  if (typeof peersRaw !== 'object' || peersRaw === null || Array.isArray(peersRaw)) {
    throw new ConfigError('peers: expected an object {"n2": "127.0.0.1:port", ...}');
  }
  const peers: Record<string, string> = {};
  for (const [pid, addr] of Object.entries(peersRaw as Record<string, unknown>)) {
    if (typeof addr !== 'string') throw new ConfigError(`peers.${pid}: expected "host:port"`);
    if (pid === o.id) throw new ConfigError(`peers.${pid}: a node is not its own peer`);
    parseHostPort(pid, addr);
    peers[pid] = addr;
  }
  if (typeof o.dataDir !== 'string' || o.dataDir.length === 0) {
    throw new ConfigError('dataDir: expected a directory path');
  }
  const params = o.params === undefined ? {} : o.params;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ConfigError('params: expected an object');
  }
  const token = o.clusterToken;
  if (token !== undefined && (typeof token !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(token))) {
    throw new ConfigError('clusterToken: expected 16-128 letters, digits, "_" or "-"');
  }
  const rolesRaw = o.roles === undefined ? {} : o.roles;
  if (typeof rolesRaw !== 'object' || rolesRaw === null || Array.isArray(rolesRaw)) {
    throw new ConfigError('roles: expected an object {"resource": {"resource1": "127.0.0.1:port"}, ...}');
  }
  const roles: Record<string, Record<string, string>> = {};
  for (const [role, members] of Object.entries(rolesRaw as Record<string, unknown>)) {
    if (typeof members !== 'object' || members === null || Array.isArray(members)) throw new ConfigError(`roles.${role}: expected an object of "host:port"`);
    roles[role] = {};
    for (const [mid, addr] of Object.entries(members as Record<string, unknown>)) {
      if (typeof addr !== 'string') throw new ConfigError(`roles.${role}.${mid}: expected "host:port"`);
      parseHostPort(`${role}.${mid}`, addr);
      roles[role][mid] = addr;
    }
  }
  return {
    ...(token !== undefined ? { clusterToken: token } : {}),
    ...(Object.keys(roles).length > 0 ? { roles } : {}),
    id: o.id,
    variant,
    clientPort: o.clientPort,
    peerPort,
    peers,
    dataDir: o.dataDir,
    params: params as Record<string, unknown>,
  };
}

/** Reads and validates a config file; throws {@link ConfigError} naming the file. */
export function loadConfigFile(file: string): NodeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  try {
    return validateConfig(raw);
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message}`);
  }
}

/**
 * Reads `--config <file>` from the command line and returns the validated config. On any problem
 * it writes one line to stderr and exits the process with 254; it never returns a bad config.
 * `allowedVariants`, when given, also rejects an unknown variant name.
 */
export function loadConfigFromArgv(argv: string[] = process.argv.slice(2), allowedVariants?: readonly string[]): NodeConfig {
  try {
    const i = argv.indexOf('--config');
    if (i < 0 || i + 1 >= argv.length) throw new ConfigError('usage: main.js --config <file.json>');
    const cfg = loadConfigFile(argv[i + 1]!);
    if (allowedVariants && !allowedVariants.includes(cfg.variant)) {
      throw new ConfigError(`unknown variant "${cfg.variant}" (known: ${allowedVariants.join(', ')})`);
    }
    return cfg;
  } catch (e) {
    process.stderr.write(`bad config: ${(e as Error).message}\n`);
    process.exit(EXIT_BAD_CONFIG);
  }
}

/** Reads a numeric param with a default and inclusive bounds; throws ConfigError when out of range. */
export function numberParam(cfg: NodeConfig, name: string, dflt: number, min: number, max: number): number {
  const v = cfg.params[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ConfigError(`params.${name}: expected a number in [${min}, ${max}]`);
  }
  return v;
}

/** Reads a boolean param with a default; throws ConfigError when it is not true or false. */
export function booleanParam(cfg: NodeConfig, name: string, dflt: boolean): boolean {
  const v = cfg.params[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ConfigError(`params.${name}: expected true or false`);
  return v;
}

/** Reads a string param that must be one of `options`, with a default; throws ConfigError otherwise. */
export function choiceParam<T extends string>(cfg: NodeConfig, name: string, options: readonly T[], dflt: T): T {
  const v = cfg.params[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !options.includes(v as T)) throw new ConfigError(`params.${name}: expected one of ${options.join(', ')}`);
  return v as T;
}
