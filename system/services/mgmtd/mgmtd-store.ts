import { assert } from '../../env/assert.ts';
import { decodeMessage, encodeMessage } from '../../env/codec.ts';
import { concatBytes } from '../../env/concat-bytes.ts';
import type { KvTransaction } from '../../env/kv.ts';
import type { NodeId } from '../../env/types.ts';
import type { ChainId, ChainInfo, ChainTable, ChainTableId, NodeType, TargetId } from './types.ts';

/**
 * What the cluster manager keeps in the KV, and the key schema. As in 3FS (`MgmtdStore.cc`,
 * `KeyPrefix-def.h`), every key starts with a 4-byte ASCII prefix; numeric ids follow as 8-byte
 * big-endian integers so keys sort by id; values are MessagePack (the wire codec).
 *
 *   SING MgmtdLease                    -> MgmtdLease {primary, leaseStartNs, leaseEndNs}
 *   SING RoutingInfoVersion            -> number
 *   NODE <nodeId as UTF-8>             -> NodeRecord {nodeId, type}
 *   TGIF <targetId u64be>              -> TargetRecord {targetId, nodeId, diskIndex, chainId}
 *   CHIF <chainId u64be>               -> ChainInfo (targets in chain order with public states)
 *   CHIT <tableId u64be><version u64be> -> ChainTable (every version kept: file layouts pin them)
 *
 * Volatile state is not persisted, as in 3FS: node status and heartbeat times, target local states and
 * usage (a new primary starts them OFFLINE and relearns them from heartbeats while bootstrapping),
 * client sessions.
 */
export interface MgmtdLease {
  readonly primary: NodeId;
  /** Wall-clock ns (env.clock.wallNs of the manager that wrote it). */
  readonly leaseStartNs: number;
  readonly leaseEndNs: number;
}

export interface NodeRecord {
  readonly nodeId: NodeId;
  readonly type: NodeType;
}

export interface TargetRecord {
  readonly targetId: TargetId;
  readonly nodeId: NodeId;
  readonly diskIndex: number;
  /** 0 while the target is in no chain. */
  readonly chainId: ChainId;
}

export interface PersistedMgmtdState {
  readonly routingVersion: number;
  readonly nodes: NodeRecord[];
  readonly targets: TargetRecord[];
  readonly chains: ChainInfo[];
  readonly tables: ChainTable[];
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const PREFIX = { single: ascii('SING'), node: ascii('NODE'), target: ascii('TGIF'), chain: ascii('CHIF'), table: ascii('CHIT') } as const;
const LEASE_KEY = concatBytes([PREFIX.single, ascii('MgmtdLease')]);
const ROUTING_VERSION_KEY = concatBytes([PREFIX.single, ascii('RoutingInfoVersion')]);

export const MgmtdKeys = {
  lease: (): Uint8Array => LEASE_KEY,
  routingVersion: (): Uint8Array => ROUTING_VERSION_KEY,
  node: (nodeId: NodeId): Uint8Array => concatBytes([PREFIX.node, ascii(nodeId)]),
  target: (targetId: TargetId): Uint8Array => concatBytes([PREFIX.target, u64(targetId)]),
  chain: (chainId: ChainId): Uint8Array => concatBytes([PREFIX.chain, u64(chainId)]),
  table: (tableId: ChainTableId, tableVersion: number): Uint8Array => concatBytes([PREFIX.table, u64(tableId), u64(tableVersion)]),
} as const;

export async function readLease(txn: KvTransaction): Promise<MgmtdLease | undefined> {
  const bytes = await txn.get(LEASE_KEY);
  return bytes === undefined ? undefined : decode<MgmtdLease>(bytes);
}

export function writeLease(txn: KvTransaction, lease: MgmtdLease): void {
  txn.set(LEASE_KEY, encode(lease));
}

export async function readRoutingVersion(txn: KvTransaction): Promise<number> {
  const bytes = await txn.get(ROUTING_VERSION_KEY);
  const version = bytes === undefined ? 0 : decode<number>(bytes);
  assert(Number.isSafeInteger(version) && version >= 0, `stored routing version ${String(version)} is not a count`);
  return version;
}

export function writeRoutingVersion(txn: KvTransaction, version: number): void {
  txn.set(ROUTING_VERSION_KEY, encode(version));
}

export function writeNode(txn: KvTransaction, node: NodeRecord): void {
  txn.set(MgmtdKeys.node(node.nodeId), encode({ nodeId: node.nodeId, type: node.type }));
}

export function writeTarget(txn: KvTransaction, target: TargetRecord): void {
  const { targetId, nodeId, diskIndex, chainId } = target;
  txn.set(MgmtdKeys.target(targetId), encode({ targetId, nodeId, diskIndex, chainId }));
}

export function clearTarget(txn: KvTransaction, targetId: TargetId): void {
  txn.clear(MgmtdKeys.target(targetId));
}

export function writeChain(txn: KvTransaction, chain: ChainInfo): void {
  txn.set(MgmtdKeys.chain(chain.chainId), encode(chain));
}

export function writeTable(txn: KvTransaction, table: ChainTable): void {
  txn.set(MgmtdKeys.table(table.tableId, table.tableVersion), encode(table));
}

/** Everything a new primary loads, read in the same transaction that bumps the routing version. */
export async function loadMgmtdState(txn: KvTransaction): Promise<PersistedMgmtdState> {
  const all = async <T>(prefix: Uint8Array): Promise<T[]> =>
    (await txn.getRange(prefix, prefixEnd(prefix))).map((pair) => decode<T>(pair.value));
  const [routingVersion, nodes, targets, chains, tables] = await Promise.all([
    readRoutingVersion(txn), all<NodeRecord>(PREFIX.node), all<TargetRecord>(PREFIX.target), all<ChainInfo>(PREFIX.chain), all<ChainTable>(PREFIX.table),
  ]);
  for (const chain of chains) assert(Number.isSafeInteger(chain.chainId) && Array.isArray(chain.targets), 'stored chain is malformed');
  for (const target of targets) assert(Number.isSafeInteger(target.targetId) && typeof target.nodeId === 'string', 'stored target is malformed');
  return { routingVersion, nodes, targets, chains, tables };
}

function encode(value: unknown): Uint8Array {
  return encodeMessage(value).bytes;
}

function decode<T>(bytes: Uint8Array): T {
  return decodeMessage(bytes) as T;
}

function u64(value: number): Uint8Array {
  assert(Number.isSafeInteger(value) && value >= 0, `key id ${value} must be a non-negative safe integer`);
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(value / 2 ** 32));
  view.setUint32(4, value >>> 0);
  return out;
}

/** The first key after every key starting with `prefix` (FDB's strinc); prefixes here are ASCII. */
function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = prefix.slice();
  assert(end[end.length - 1]! < 0xff, 'prefix must not end in 0xff');
  end[end.length - 1]!++;
  return end;
}
