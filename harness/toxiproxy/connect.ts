/**
 * The harness's door to a Toxiproxy API: the embedded server (started in-process on a free
 * loopback port) or an external toxiproxy-server given by URL. Every part of faultline that
 * injects network faults goes through this handle.
 *
 *   const tp = await openToxiproxy({ seed: 42 });            // embedded
 *   const tp = await openToxiproxy({ url: 'http://127.0.0.1:8474' }); // external
 *   const proxy = await tp.createProxy({ name: 'n1', listen: '127.0.0.1:0', upstream: '127.0.0.1:7001' });
 *   await proxy.addToxic({ type: 'latency', attributes: { latency: 100, jitter: 0 } } as ...);
 *   await tp.close();   // embedded: server stopped; external: the proxies created here deleted
 */
import { Toxiproxy, type Proxy, type Toxic, type ToxicType } from 'toxiproxy-node-client';
import { FaultlineError, UsageError } from '../cli/exit.js';
import { startToxiproxyServer, type ToxiproxyServer } from './server.js';
import { NDJSON_FILTER, type NDJSON_ACTIONS } from './toxics.js';

/** What ndjson_filter does to a matched message (toxics.ts NDJSON_ACTIONS). */
export type NdjsonAction = (typeof NDJSON_ACTIONS)[number];
import type { ProxyEffects } from './link.js';

export { noEffects, type ProxyEffects } from './link.js';

export { startToxiproxyServer, type ToxiproxyServer, type ToxiproxyServerOptions } from './server.js';

/** What a run needs to create one proxy. */
export interface ProxyCreateSpec {
  name: string;
  /** "host:port"; use "127.0.0.1:0" for a free port (the created proxy reports the bound one). */
  listen: string;
  upstream: string;
  enabled?: boolean;
}

/** An open Toxiproxy API, embedded or external. */
export interface ToxiproxyHandle {
  /** Base URL of the API, e.g. http://127.0.0.1:40123. */
  url: string;
  /** A toxiproxy-node-client bound to `url`. */
  client: Toxiproxy;
  /** True when the server runs inside this process. */
  embedded: boolean;
  /** The embedded server (undefined for an external one). */
  server?: ToxiproxyServer;
  /** Creates a proxy and remembers it, so that `close()` can remove it. */
  createProxy(spec: ProxyCreateSpec): Promise<Proxy>;
  /**
   * What a proxy's toxics and stops did to its traffic so far (a copy), or null when that cannot
   * be known: the Toxiproxy API has no such counters, so only the embedded server gives them.
   */
  effects(name: string): ProxyEffects | null;
  /** Embedded: stops the server. External: deletes the proxies this handle created. */
  close(): Promise<void>;
}

/** Options of `openToxiproxy`. */
export interface OpenToxiproxyOptions {
  /** URL of an external server; without it the embedded server is started. */
  url?: string;
  /** Seed of the embedded server's random decisions (ignored by an external server). */
  seed?: number;
}

/** Names the harness gives proxies: safe in URL paths without encoding. */
const NAME_RE = /^[A-Za-z0-9_.-]{1,128}$/;

/** Opens a Toxiproxy API. Throws a FaultlineError (exit 254) when an external URL is unusable. */
export async function openToxiproxy(opts: OpenToxiproxyOptions = {}): Promise<ToxiproxyHandle> {
  let url: string;
  let server: ToxiproxyServer | undefined;
  if (opts.url === undefined) {
    server = await startToxiproxyServer({ host: '127.0.0.1', port: 0, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
    url = server.url;
  } else {
    let parsed: URL;
    try {
      parsed = new URL(opts.url);
    } catch {
      throw new UsageError(`--toxiproxy: not a URL: ${opts.url}`);
    }
    if (parsed.protocol !== 'http:') throw new UsageError(`--toxiproxy: expected an http:// URL, got ${opts.url}`);
    url = `${parsed.protocol}//${parsed.host}`;
  }
  const client = new Toxiproxy(url);
  if (!server) {
    try {
      await client.getVersion();
    } catch (e) {
      throw new UsageError(`--toxiproxy: no Toxiproxy API answers at ${url} (${(e as Error).message})`);
    }
  }
  const created = new Set<string>();
  let closed = false;
  return {
    url,
    client,
    embedded: server !== undefined,
    ...(server ? { server } : {}),
    async createProxy(spec: ProxyCreateSpec): Promise<Proxy> {
      if (closed) throw new FaultlineError('the Toxiproxy handle is closed', 255);
      if (!NAME_RE.test(spec.name)) {
        throw new UsageError(`proxy name ${JSON.stringify(spec.name)} must match ${NAME_RE.source}`);
      }
      try {
        const proxy = await client.createProxy({
          name: spec.name,
          listen: spec.listen,
          upstream: spec.upstream,
          ...(spec.enabled !== undefined ? { enabled: spec.enabled } : {}),
        });
        created.add(spec.name);
        return proxy;
      } catch (e) {
        throw new FaultlineError(`cannot create proxy ${spec.name} (${spec.listen} -> ${spec.upstream}) at ${url}: ${(e as Error).message}`, 255);
      }
    },
    effects(name: string): ProxyEffects | null {
      const p = server?.api.proxies.get(name);
      return p ? { ...p.effects } : null;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (server) {
        await server.close();
        return;
      }
      for (const name of created) {
        try {
          const p = await client.get(name);
          await p.remove();
        } catch {
          // Already gone (deleted by the run itself, or the server restarted).
        }
      }
      created.clear();
    },
  };
}

/** Options of the `ndjson_filter` toxic (faultline's own; see README.md in this folder). */
export interface NdjsonFilterOptions {
  name: string;
  /** upstream = client to server; downstream = server to client. */
  stream: 'upstream' | 'downstream';
  /** Values of the message field (default "type") to act on. */
  types: string[];
  action: NdjsonAction;
  /** How long a delayed message is held (duplicate: when its copy follows; reorder: the most it is held). */
  delayMs?: number;
  /** Chance, per matching message, that it is acted on (seeded). Default 1. */
  probability?: number;
  /** The JSON field compared with `types`. Default "type". */
  field?: string;
  /** Chance, per connection, that the toxic applies at all. Default 1. */
  toxicity?: number;
}

/**
 * Adds an `ndjson_filter` toxic to a proxy of the embedded server (a real toxiproxy-server
 * refuses the type with 400). Typed, because toxiproxy-node-client's toxic types do not list it.
 */
export async function addNdjsonFilter(proxy: Proxy, opts: NdjsonFilterOptions): Promise<Toxic<unknown>> {
  return proxy.addToxic<unknown>({
    name: opts.name,
    type: NDJSON_FILTER as ToxicType,
    stream: opts.stream,
    toxicity: opts.toxicity ?? 1,
    attributes: {
      types: opts.types,
      action: opts.action,
      delay_ms: opts.delayMs ?? 0,
      probability: opts.probability ?? 1,
      field: opts.field ?? 'type',
    },
  });
}
