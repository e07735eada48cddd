import type { ChainInfo, NodeInfo, RoutingInfo, TargetInfo } from '../../services/mgmtd/types.ts';
import { textTable } from '../text-table.ts';

/**
 * The manager's routing snapshot as rows: for people (`textTable`) and, unchanged, for machines
 * (`--json` prints the same rows as JSON).
 */
export function nodeRows(routing: RoutingInfo): Array<NodeInfo & { targets: number }> {
  const targets = Object.values(routing.targets);
  return Object.values(routing.nodes)
    .sort((a, b) => a.nodeId.localeCompare(b.nodeId, 'en', { numeric: true }))
    .map((node) => ({ ...node, targets: targets.filter((t) => t.nodeId === node.nodeId).length }));
}

export function targetRows(routing: RoutingInfo): TargetInfo[] {
  return Object.values(routing.targets).sort((a, b) => a.targetId - b.targetId);
}

export function chainRows(routing: RoutingInfo): ChainInfo[] {
  return Object.values(routing.chains).sort((a, b) => a.chainId - b.chainId);
}

export function routingHeader(routing: RoutingInfo): string {
  return `routing version ${routing.routingVersion}, primary ${routing.primary}${routing.bootstrapping ? ' (bootstrapping)' : ''}`;
}

export function nodesTable(routing: RoutingInfo): string {
  if (Object.keys(routing.nodes).length === 0) return 'no nodes registered yet';
  return textTable(['NODE', 'TYPE', 'STATUS', 'TARGETS'], nodeRows(routing).map((n) => [n.nodeId, n.type, n.status, n.targets]));
}

export function targetsTable(routing: RoutingInfo): string {
  if (Object.keys(routing.targets).length === 0) return 'no targets yet';
  return textTable(['TARGET', 'NODE', 'DISK', 'CHAIN', 'PUBLIC', 'LOCAL', 'USED', 'LOW-SPACE'], targetRows(routing).map((t) => [
    t.targetId, t.nodeId, t.diskIndex, t.chainId === 0 ? '-' : String(t.chainId), t.publicState, t.localState, formatBytes(t.usedBytes),
    t.lowSpace ? 'yes' : 'no',
  ]));
}

export function chainsTable(routing: RoutingInfo): string {
  const chains = Object.keys(routing.chains).length === 0 ? 'no chains yet' : textTable(['CHAIN', 'VERSION', 'TARGETS (head first)'], chainRows(routing).map((c) => [
    c.chainId, c.chainVersion, c.targets.map((t) => `${t.targetId}:${t.publicState}`).join(' '),
  ]));
  const tables = Object.values(routing.chainTables).flatMap((versions) => Object.values(versions));
  if (tables.length === 0) return `${chains}\n\nno chain table yet`;
  const tableRows = tables.sort((a, b) => a.tableId - b.tableId || a.tableVersion - b.tableVersion)
    .map((t) => [t.tableId, t.tableVersion, t.chainIds.length]);
  return `${chains}\n\n${textTable(['TABLE', 'VERSION', 'CHAINS'], tableRows)}`;
}

/** Target counts by public state, e.g. `{ SERVING: 5, SYNCING: 1 }`. */
export function publicStateCounts(routing: RoutingInfo): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const chain of Object.values(routing.chains)) {
    for (const t of chain.targets) counts[t.publicState] = (counts[t.publicState] ?? 0) + 1;
  }
  return counts;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
