/**
 * What the simulated RPC layer needs from a network model: move `sizeBytes` from one node to another
 * and call `onDelivered` (a synchronous model callback) when the last byte has arrived.
 */
export interface TransferRequest {
  readonly fromNode: number;
  readonly toNode: number;
  readonly sizeBytes: number;
  readonly onDelivered: () => void;
}

export interface NetworkTransport {
  send(transfer: TransferRequest): void;
}
