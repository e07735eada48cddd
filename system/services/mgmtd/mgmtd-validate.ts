import { FlyerError } from '../../env/errors.ts';
import type {
  CreateTargetsRequest, ExtendSessionRequest, GetRoutingRequest, HeartbeatRequest, RegisterNodeRequest, SetChainsRequest,
  SetChainTableRequest, TargetRequest, UpdateChainRequest,
} from './messages.ts';
import type { LocalTargetState, NodeType } from './types.ts';

/**
 * Shape checks for every manager request. Requests come off the wire, so nothing about them is
 * trusted: each field is checked for type and range, and a bad one is INVALID_ARGUMENT naming it,
 * never an exception from deeper code. Semantic checks (unknown chain, ...) happen in the ops.
 */
const NODE_TYPES: ReadonlySet<string> = new Set<NodeType>(['MGMTD', 'META', 'STORAGE', 'CLIENT']);
const LOCAL_STATES: ReadonlySet<string> = new Set<LocalTargetState>(['UPTODATE', 'ONLINE', 'OFFLINE']);
const ID_MAX = Number.MAX_SAFE_INTEGER;
const NAME_BYTES_MAX = 256;
/** Per-request list limits: explicit bounds on every batch (TigerStyle). */
export const BATCH_MAX = 100_000;
export const CHAIN_TARGETS_MAX = 64;

function bad(what: string): never {
  throw new FlyerError('INVALID_ARGUMENT', what);
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function id(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > ID_MAX) bad(`${what} must be a positive integer, got ${String(value)}`);
  return value as number;
}

function count(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) bad(`${what} must be a non-negative integer, got ${String(value)}`);
  return value as number;
}

function name(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > NAME_BYTES_MAX) bad(`${what} must be a string of 1..${NAME_BYTES_MAX} chars`);
  return value;
}

function list(value: unknown, what: string, max: number, min = 0): unknown[] {
  if (!Array.isArray(value)) bad(`${what} must be an array`);
  if (value.length < min || value.length > max) bad(`${what} must hold ${min}..${max} items, got ${value.length}`);
  return value;
}

function nodeType(value: unknown, what: string): NodeType {
  if (typeof value !== 'string' || !NODE_TYPES.has(value)) bad(`${what} must be one of ${[...NODE_TYPES].join(', ')}`);
  return value as NodeType;
}

function distinct(values: readonly number[], what: string): void {
  if (new Set(values).size !== values.length) bad(`${what} has duplicates`);
}

export function validateRegisterNode(request: unknown): RegisterNodeRequest {
  const r = object(request, 'registerNode request');
  return { nodeId: name(r.nodeId, 'nodeId'), type: nodeType(r.type, 'type') };
}

export function validateHeartbeat(request: unknown): HeartbeatRequest {
  const r = object(request, 'heartbeat request');
  const type = nodeType(r.type, 'type');
  const targets = list(r.targets ?? [], 'targets', BATCH_MAX).map((item, i) => {
    const t = object(item, `targets[${i}]`);
    if (typeof t.localState !== 'string' || !LOCAL_STATES.has(t.localState)) bad(`targets[${i}].localState must be UPTODATE, ONLINE or OFFLINE`);
    if (typeof t.lowSpace !== 'boolean') bad(`targets[${i}].lowSpace must be a boolean`);
    return {
      targetId: id(t.targetId, `targets[${i}].targetId`),
      localState: t.localState as LocalTargetState,
      chainVersion: count(t.chainVersion, `targets[${i}].chainVersion`),
      usedBytes: count(t.usedBytes, `targets[${i}].usedBytes`),
      lowSpace: t.lowSpace,
    };
  });
  if (type !== 'STORAGE' && targets.length > 0) bad(`a ${type} node reports no targets`);
  distinct(targets.map((t) => t.targetId), 'targets');
  if (typeof r.wallNs !== 'number' || !Number.isFinite(r.wallNs)) bad('wallNs must be a finite number');
  return { nodeId: name(r.nodeId, 'nodeId'), type, hbVersion: id(r.hbVersion, 'hbVersion'), wallNs: r.wallNs, targets };
}

export function validateGetRouting(request: unknown): GetRoutingRequest {
  const r = object(request, 'getRoutingInfo request');
  return { knownVersion: count(r.knownVersion ?? 0, 'knownVersion') };
}

export function validateCreateTargets(request: unknown): CreateTargetsRequest {
  const r = object(request, 'createTargets request');
  const targets = list(r.targets, 'targets', BATCH_MAX, 1).map((item, i) => {
    const t = object(item, `targets[${i}]`);
    return { targetId: id(t.targetId, `targets[${i}].targetId`), nodeId: name(t.nodeId, `targets[${i}].nodeId`), diskIndex: count(t.diskIndex, `targets[${i}].diskIndex`) };
  });
  distinct(targets.map((t) => t.targetId), 'targets');
  return { targets };
}

export function validateSetChains(request: unknown): SetChainsRequest {
  const r = object(request, 'setChains request');
  const chains = list(r.chains, 'chains', BATCH_MAX, 1).map((item, i) => {
    const c = object(item, `chains[${i}]`);
    const targetIds = list(c.targetIds, `chains[${i}].targetIds`, CHAIN_TARGETS_MAX, 1).map((t, j) => id(t, `chains[${i}].targetIds[${j}]`));
    distinct(targetIds, `chains[${i}].targetIds`);
    return { chainId: id(c.chainId, `chains[${i}].chainId`), targetIds };
  });
  distinct(chains.map((c) => c.chainId), 'chains');
  return { chains };
}

export function validateSetChainTable(request: unknown): SetChainTableRequest {
  const r = object(request, 'setChainTable request');
  const chainIds = list(r.chainIds, 'chainIds', BATCH_MAX, 1).map((c, i) => id(c, `chainIds[${i}]`));
  distinct(chainIds, 'chainIds');
  return { tableId: id(r.tableId, 'tableId'), chainIds };
}

export function validateUpdateChain(request: unknown): UpdateChainRequest {
  const r = object(request, 'updateChain request');
  if (r.op !== 'add' && r.op !== 'remove') bad(`op must be 'add' or 'remove', got ${String(r.op)}`);
  return { chainId: id(r.chainId, 'chainId'), op: r.op, targetId: id(r.targetId, 'targetId') };
}

export function validateTargetRequest(request: unknown): TargetRequest {
  const r = object(request, 'target request');
  return { targetId: id(r.targetId, 'targetId') };
}

export function validateExtendSession(request: unknown): ExtendSessionRequest {
  const r = object(request, 'extendClientSession request');
  return { clientId: name(r.clientId, 'clientId'), nodeId: name(r.nodeId, 'nodeId') };
}
