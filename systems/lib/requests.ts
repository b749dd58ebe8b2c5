/**
 * Decodes a client request through the wire kit's RPC registry (workloads/wire/rpc.ts) inside a
 * request handler: the decoded request, or an {@link RpcError} the client listener turns into
 * not-supported (10) or malformed-request (12) addressed to the request's msg_id. Decoding comes
 * first, so a request that cannot be applied never reaches a system's log or its peers.
 */
import { decodeRequest, type RequestOf, type RpcSet } from '../../workloads/wire/rpc.js';
import type { ClientRequest } from './client-listener.js';
import { RpcError } from './errors.js';

/** The decoded request, or throws {@link RpcError} with the registry's code and text. */
export function decodeClientRequest<S extends RpcSet>(rpcs: S, req: ClientRequest): RequestOf<S> {
  const d = decodeRequest(rpcs, req);
  if (!d.ok) throw new RpcError(d.code, d.text);
  return d.request;
}
