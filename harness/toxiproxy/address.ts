/**
 * "host:port" addresses the way the real server (Go's net package) treats them.
 *
 * - `splitHostPort` mirrors net.SplitHostPort: `[::1]:80`, `localhost:0`, `:0`; a missing port is
 *   an error with Go's wording.
 * - `resolveTcpAddr` mirrors net.ResolveTCPAddr(...).String(): `localhost` resolves to IPv4
 *   first (so `localhost:P` is reported as `127.0.0.1:P`), an empty host stays empty (`:P`).
 * - `formatBound` formats a bound listener's address as Go reports it (`[::]:P` for a wildcard).
 * - `refuseRemoteListen` is faultline's own rule: a listen address must be loopback unless the
 *   server allows remote listeners (the real server binds whatever it is given).
 */
import { lookup } from 'node:dns/promises';
import { isIP, type AddressInfo } from 'node:net';
import { ApiError } from './errors.js';

/** A parsed address: host may be '' (all interfaces). */
export interface HostPort {
  host: string;
  port: number;
}

/** Splits "host:port" (IPv6 hosts in brackets). Throws Go's "missing port in address" error. */
export function splitHostPort(addr: string, context: string): HostPort {
  let host: string;
  let portText: string;
  // Go's Listen takes "" as all interfaces on a random port.
  if (addr === '') return { host: '', port: 0 };
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    if (end < 0) throw new ApiError(500, `${context}address ${addr}: missing ']' in address`);
    host = addr.slice(1, end);
    const rest = addr.slice(end + 1);
    if (!rest.startsWith(':')) throw new ApiError(500, `${context}address ${addr}: missing port in address`);
    portText = rest.slice(1);
  } else {
    const i = addr.lastIndexOf(':');
    if (i < 0) throw new ApiError(500, `${context}address ${addr}: missing port in address`);
    host = addr.slice(0, i);
    if (host.includes(':')) throw new ApiError(500, `${context}address ${addr}: too many colons in address`);
    portText = addr.slice(i + 1);
  }
  if (portText === '') portText = '0';
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new ApiError(500, `${context}lookup tcp/${portText}: unknown port`);
  }
  return { host, port: Number(portText) };
}

/** Formats host and port as Go does: IPv6 in brackets, an empty host as `:port`. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * True for hosts that only this machine can reach: `localhost`, 127.0.0.0/8 and ::1 (also as
 * IPv4-mapped). Other names are not resolved to find out, so that the answer needs no DNS.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) !== 6) return false;
  let canonical: string;
  try {
    // The URL parser writes IPv6 in its shortest form: 0:0:0:0:0:0:0:1 becomes ::1 and
    // ::ffff:127.0.0.1 becomes ::ffff:7f00:1.
    canonical = new URL(`http://[${h}]/`).hostname.slice(1, -1);
  } catch {
    return false;
  }
  return canonical === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical);
}

/**
 * Throws a 500 ApiError, the real server's status for a listen address it cannot use, when
 * `addr` would listen beyond loopback and `allowRemote` is off. An address that does not parse is
 * left to the bind, which reports it in Go's words.
 */
export function refuseRemoteListen(addr: string, allowRemote: boolean): void {
  if (allowRemote) return;
  let hp: HostPort;
  try {
    hp = splitHostPort(addr, '');
  } catch {
    return;
  }
  if (isLoopbackHost(hp.host)) return;
  const what = hp.host === '' || hp.host === '0.0.0.0' || hp.host === '::' ? 'that is every interface' : `${hp.host} is not a loopback address`;
  throw new ApiError(
    500,
    `listen tcp ${addr || '""'}: refused: ${what}; this server listens on loopback only (127.0.0.1, ::1, localhost) unless started with --allow-remote`,
  );
}

/** Resolves a host name to one IP address, IPv4 first (Go's preference for "tcp"). */
async function resolveHost(host: string, context: string): Promise<string> {
  if (host === '' || isIP(host)) return host;
  if (host.toLowerCase() === 'localhost') return '127.0.0.1';
  try {
    const r = await lookup(host, { family: 4 });
    return r.address;
  } catch {
    try {
      const r = await lookup(host);
      return r.address;
    } catch {
      throw new ApiError(500, `${context}lookup ${host}: no such host`);
    }
  }
}

/** net.ResolveTCPAddr("tcp", addr).String(): the canonical form used to compare listen addresses. */
export async function resolveTcpAddr(addr: string): Promise<HostPort & { text: string }> {
  const hp = splitHostPort(addr, '');
  const host = await resolveHost(hp.host, '');
  return { host, port: hp.port, text: joinHostPort(host, hp.port) };
}

/** The host Node should bind for a resolved host: a wildcard binds dual-stack `::`, as Go does. */
export function bindHost(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return '::';
  return host;
}

/** A bound listener's address, formatted as the real server reports it. */
export function formatBound(info: AddressInfo): string {
  return joinHostPort(info.address, info.port);
}
