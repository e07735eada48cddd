import { FlyerError, isFlyerError } from '../../env/errors.ts';
import type { Env, NodeId, RpcMethod } from '../../env/types.ts';

/**
 * A client's calls to one KV service node. A call that fails in transit (no connection, a timeout, the
 * connection dropped) becomes KV_UNAVAILABLE, raised here (not `remote`): the caller cannot tell
 * whether the service acted on it. Errors the service sent back pass through unchanged.
 */
const TRANSPORT_CODES = new Set(['RPC_TIMEOUT', 'RPC_UNREACHABLE', 'RPC_CONNECTION_CLOSED', 'RPC_DEADLINE_PASSED']);

export class KvChannel {
  constructor(private readonly env: Env, readonly server: NodeId, private readonly callTimeoutNs: number) {}

  async call<Req, Res>(method: RpcMethod<Req, Res>, request: Req, timeoutNs = this.callTimeoutNs): Promise<Res> {
    try {
      return await this.env.rpc.call(this.server, method, request, { timeoutNs });
    } catch (error) {
      if (isFlyerError(error) && TRANSPORT_CODES.has(error.code)) {
        throw new FlyerError('KV_UNAVAILABLE', `${method.name} to ${this.server}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  /** Sends without waiting (releasing server state); a failure only means the service expires it later. */
  post<Req, Res>(method: RpcMethod<Req, Res>, request: Req): void {
    this.env.rpc.call(this.server, method, request, { timeoutNs: this.callTimeoutNs }).catch(() => undefined);
  }
}

/** True for a KV_UNAVAILABLE raised on this side: the request may or may not have been acted on. */
export function inDoubt(error: unknown): boolean {
  return isFlyerError(error, 'KV_UNAVAILABLE') && !error.remote;
}
