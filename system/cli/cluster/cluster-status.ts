import { resolve } from 'node:path';
import { isFlyerError } from '../../env/errors.ts';
import type { RoutingInfo } from '../../services/mgmtd/types.ts';
import { withMgmtd } from '../admin/mgmtd-session.ts';
import { nodeRows, targetRows } from '../admin/routing-tables.ts';
import { textTable } from '../text-table.ts';
import { managersOf, readManifest, type ClusterManifest } from './cluster-manifest.ts';
import { probeKvServers, type KvProbe } from './kv-probe.ts';
import { LocalLauncher } from './local-launcher.ts';
import { probeMetaServers, type MetaProbe } from './meta-probe.ts';
import { allServing } from './wait-serving.ts';

export interface ClusterStatus {
  readonly dir: string;
  readonly processes: ReadonlyArray<{ node: string; role: string; address: string; pid: number | null; running: boolean }>;
  /** The manager's view; undefined when no manager answered (`managerError` says why). */
  readonly routing?: RoutingInfo;
  readonly managerError?: string;
  readonly allServing: boolean;
  /** Each meta server's answer to a stat of the root (empty for clusters without meta servers). */
  readonly meta: readonly MetaProbe[];
  /** Each kv server's answer to a greeting (empty for clusters without one). */
  readonly kv: readonly KvProbe[];
}

/** `flyer cluster status`: which processes run, and the manager's view of nodes and targets. */
export async function clusterStatus(options: { readonly dir: string }): Promise<ClusterStatus> {
  const dir = resolve(options.dir);
  const manifest = readManifest(dir);
  const launcher = new LocalLauncher({ dir });
  const processes = manifest.nodes.map((node) => {
    const pid = launcher.running(node);
    return { node: node.id, role: node.role, address: `${node.host}:${node.port}`, pid: pid ?? null, running: pid !== undefined };
  });
  const base = { dir, processes, meta: [], kv: await probeKvServers(manifest) };
  if (!processes.some((p) => p.role === 'mgmtd' && p.running)) return { ...base, managerError: 'no manager process is running', allServing: false };
  try {
    const routing = await withMgmtd({ managers: managersOf(manifest) }, (session) => session.routing());
    return { ...base, routing, allServing: allServing(routing, expectedTargets(manifest)), meta: await probeMetaServers(dir, manifest) };
  } catch (error) {
    if (!isFlyerError(error)) throw error;
    return { ...base, managerError: error.message, allServing: false };
  }
}

export function statusText(status: ClusterStatus): string {
  const parts = [
    `cluster in ${status.dir}`,
    textTable(['NODE', 'ROLE', 'ADDRESS', 'PID', 'PROCESS'], status.processes.map((p) => [
      p.node, p.role, p.address, p.pid === null ? '-' : String(p.pid), p.running ? 'running' : 'stopped',
    ])),
  ];
  const routing = status.routing;
  if (!routing) {
    parts.push(`manager: ${status.managerError ?? 'no answer'}`);
    return parts.join('\n\n');
  }
  parts.push(textTable(['NODE', 'TYPE', 'HEARTBEAT'], nodeRows(routing).map((n) => [n.nodeId, n.type, n.status])));
  parts.push(textTable(['TARGET', 'NODE', 'CHAIN', 'STATE', 'LOCAL'], targetRows(routing).map((t) => [
    t.targetId, t.nodeId, t.chainId === 0 ? '-' : String(t.chainId), t.publicState, t.localState,
  ])));
  if (status.kv.length > 0) {
    parts.push(textTable(['KV', 'ANSWERS'], status.kv.map((k) => [k.node, k.serving ? 'serving' : `no: ${k.error ?? '?'}`])));
  }
  if (status.meta.length > 0) {
    parts.push(textTable(['META', 'ANSWERS'], status.meta.map((m) => [m.node, m.serving ? 'serving' : `no: ${m.error ?? '?'}`])));
  }
  parts.push(status.allServing ? 'all targets SERVING' : 'not every target is SERVING');
  return parts.join('\n\n');
}

function expectedTargets(manifest: ClusterManifest): number {
  return manifest.nodes.reduce((sum, node) => sum + (node.targets?.length ?? 0), 0);
}
