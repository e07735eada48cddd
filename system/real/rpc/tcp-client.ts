import { FlyerError } from '../../env/errors.ts';
import type { Logger } from '../../env/log.ts';
import type { NodeId } from '../../env/types.ts';
import { DEFAULT_MAX_FRAME_BYTES } from './frame.ts';
import { PeerConnection, type CallResult, type OutboundCall } from './peer-connection.ts';
import type { PeerAddress } from './wire.ts';

export interface TcpClientOptions {
  readonly log: Logger;
  readonly maxFrameBytes?: number;
  /** The address book: where each node listens. */
  readonly resolve: (nodeId: NodeId) => PeerAddress | undefined;
}

/**
 * Client side of the transport: one connection per peer, opened on the first call and replaced by a
 * fresh one on the first call after it fails. There is no automatic retry: a failed call reports its
 * coded error and the caller decides.
 */
export class TcpClient {
  readonly #options: TcpClientOptions;
  readonly #connections = new Map<NodeId, PeerConnection>();
  #closed = false;

  constructor(options: TcpClientOptions) {
    this.#options = options;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  call(to: NodeId, call: OutboundCall): Promise<CallResult> {
    if (this.#closed) return Promise.reject(new FlyerError('RPC_CONNECTION_CLOSED', `${call.label} to ${to}: client closed`));
    let connection = this.#connections.get(to);
    if (!connection || connection.closed) {
      const address = this.#options.resolve(to);
      if (!address) return Promise.reject(new FlyerError('RPC_UNREACHABLE', `${call.label}: no address known for node ${to}`));
      const fresh: PeerConnection = new PeerConnection({
        peer: to,
        address,
        maxFrameBytes: this.#options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
        log: this.#options.log,
        onClose: () => {
          if (this.#connections.get(to) === fresh) this.#connections.delete(to);
        },
      });
      this.#connections.set(to, fresh);
      connection = fresh;
    }
    return connection.call(call);
  }

  /** Drops the connection to one peer (e.g. its address changed); its pending calls fail. */
  disconnect(nodeId: NodeId): void {
    this.#connections.get(nodeId)?.destroy('disconnected');
    this.#connections.delete(nodeId);
  }

  close(): void {
    this.#closed = true;
    for (const connection of this.#connections.values()) connection.destroy();
    this.#connections.clear();
  }
}
