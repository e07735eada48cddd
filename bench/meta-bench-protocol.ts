/** What bench/meta.bench.ts and its client processes (meta-bench-worker.ts) say to each other. */
import type { PeerAddress } from '../system/real/real-env.ts';
import { defineMethod } from '../system/env/types.ts';

export interface WorkerSetup {
  readonly index: number;
  /** Scratch directory of this client's env (the parent removes it). */
  readonly dataDir: string;
  readonly peers: Record<string, PeerAddress>;
  readonly metaServers: readonly string[];
  readonly echoNode: string;
  readonly files: number;
  readonly inFlight: number;
}

/** 'warmup': create, stat and remove WARMUP_FILES other files, untimed (JIT-compiles the paths on both sides). */
export type Phase = 'warmup' | 'echo' | 'create' | 'stat' | 'remove';

export const WARMUP_FILES = 1000;

export interface PhaseDone {
  readonly phase: Phase;
  readonly ops: number;
  readonly ms: number;
  /** CPU time this client process used during the phase (user + system). */
  readonly cpuUs: number;
  readonly errors: number;
  readonly firstError?: string;
}

/** The baseline's method: the server hands the request back (same transport, no service work). */
export const benchEcho = defineMethod<unknown, unknown>(99, 1, 'bench.echo');
