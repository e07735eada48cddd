import type { ClusterNode } from './cluster-manifest.ts';

/**
 * How the processes of a cluster are started and stopped. `flyer cluster` talks only to this interface,
 * so the same up / down / status work whatever hosts the processes: local processes now
 * (local-launcher.ts), network namespaces as stand-in hosts and ssh to real machines later (ARCHITECTURE
 * §6). A launcher finds its processes again from the cluster directory alone: commands run in separate
 * CLI invocations.
 */
export interface StartedNode {
  readonly pid: number;
  /** From spawn to the node's `{"ready":true}` line. */
  readonly readyMs: number;
}

export type StopOutcome = 'stopped' | 'killed' | 'not-running';

export interface NodeLauncher {
  readonly kind: string;
  /** Starts the node's process and resolves once it reports ready; CLUSTER_NODE_START_FAILED otherwise. */
  start(node: ClusterNode, options: { readonly readyTimeoutMs: number }): Promise<StartedNode>;
  /** The node's pid if its process is running, else undefined. */
  running(node: ClusterNode): number | undefined;
  /** SIGTERM (a graceful stop: final heartbeat), then SIGKILL after `timeoutMs`. */
  stop(node: ClusterNode, options: { readonly timeoutMs: number }): Promise<StopOutcome>;
  /** SIGKILL at once, as a crash would (fault tests); resolves when the process is gone. */
  kill(node: ClusterNode): Promise<void>;
}
