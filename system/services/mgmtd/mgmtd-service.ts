import { assert } from '../../env/assert.ts';
import { FlyerError, isFlyerError } from '../../env/errors.ts';
import type { KvStore } from '../../env/kv.ts';
import type { Env, RpcMethod } from '../../env/types.ts';
import { decideLease, ensureLeaseValid } from './lease.ts';
import {
  mgmtdCreateTargets, mgmtdExtendSession, mgmtdGetRouting, mgmtdHeartbeat, mgmtdOfflineTarget, mgmtdRegisterNode, mgmtdRemoveTarget,
  mgmtdSetChains, mgmtdSetChainTable, mgmtdUpdateChain, type Ack,
} from './messages.ts';
import { notPrimaryError } from './mgmtd-errors.ts';
import { acceptHeartbeat, detectFailures, expireSessions, precheckHeartbeat } from './mgmtd-heartbeat.ts';
import * as ops from './mgmtd-ops.ts';
import { resolveMgmtdOptions, type MgmtdOptions, type ResolvedMgmtdOptions } from './mgmtd-options.ts';
import { MgmtdState, type ClientSession } from './mgmtd-state.ts';
import { loadMgmtdState, readLease, readRoutingVersion, writeLease, writeRoutingVersion, type MgmtdLease } from './mgmtd-store.ts';
import * as check from './mgmtd-validate.ts';
import type { RoutingInfo } from './types.ts';

/** One lease term of this manager as primary: the state it loaded, and the lease it holds. */
interface Term {
  readonly state: MgmtdState;
  readonly leaseStartNs: number;
  /** Wall-clock end of the lease as last extended; past it, this manager must not act as primary. */
  leaseEndNs: number;
  bootstrapping: boolean;
  /** Env-clock time at which bootstrapping ends. */
  readonly bootstrapUntilNs: number;
}

/**
 * The cluster manager (3FS mgmtd, 3fs-notes §1.1), one per manager node; several run, and the one
 * holding the lease in the KV is the primary. The primary keeps the cluster's state in memory, answers
 * every RPC, and persists each change in a KV transaction that re-checks its lease and bumps the routing
 * version; the others answer MGMTD_NOT_PRIMARY naming the primary. Background loops on the env clock:
 * lease extension (all managers), failure detection and the chain state machine (primary only).
 *
 * @example
 * sim.addNode('mgmtd-1', { boot: (env) => MgmtdService.start(env, { heartbeatFailNs: 1e9 }).then(() => undefined) });
 */
export class MgmtdService {
  readonly #env: Env;
  readonly #options: ResolvedMgmtdOptions;
  readonly #kv: KvStore;
  #stopped = false;
  /** The lease as last read from the KV, whoever holds it: for NOT_PRIMARY hints. */
  #lease: MgmtdLease | undefined;
  #term: Term | undefined;
  #loading = false;
  #queue: Promise<unknown> = Promise.resolve();
  #backgroundFailures = 0;

  private constructor(env: Env, options: ResolvedMgmtdOptions, kv: KvStore) {
    this.#env = env;
    this.#options = options;
    this.#kv = kv;
  }

  static async start(env: Env, options: MgmtdOptions = {}): Promise<MgmtdService> {
    const resolved = resolveMgmtdOptions(options);
    const service = new MgmtdService(env, resolved, await env.openKv(resolved.kvName));
    service.#serveAll();
    void service.#loop('extend lease', resolved.extendLeaseIntervalNs, () => service.#extendLease());
    void service.#loop('check heartbeats', resolved.checkIntervalNs, async () => service.#checkHeartbeats());
    void service.#loop('update chains', resolved.updateChainsIntervalNs, () => service.#updateChains());
    env.log.info('mgmtd started', { kv: resolved.kvName });
    return service;
  }

  /** True while this manager holds a live lease and has loaded the state. */
  get isPrimary(): boolean {
    return this.#term !== undefined && this.#env.clock.wallNs() <= this.#term.leaseEndNs;
  }

  /** The current routing snapshot if primary (what getRoutingInfo would return). */
  routing(): RoutingInfo | undefined {
    const term = this.isPrimary ? this.#term : undefined;
    return term?.state.snapshot(this.#env.nodeId, term.bootstrapping);
  }

  clientSessions(): ClientSession[] {
    return this.isPrimary ? [...this.#term!.state.sessions.values()].map((s) => ({ ...s })) : [];
  }

  /** Background rounds that failed with something other than losing the lease (should stay 0). */
  get backgroundFailures(): number {
    return this.#backgroundFailures;
  }

  /** Stops the loops and gives up primaryship (the lease lapses on its own). */
  stop(): void {
    this.#stopped = true;
    this.#stepDown('stopped');
  }

  #serveAll(): void {
    const serve = <Req, Res>(method: RpcMethod<Req, Res>, handler: (request: unknown) => Promise<Res>): void => {
      this.#env.rpc.serve(method, (request) => handler(request));
    };
    const now = (): number => this.#env.clock.now();
    const self = this.#env.nodeId;
    // Requests are validated before they queue behind other mutations: bad input fails fast.
    serve(mgmtdRegisterNode, (raw) => {
      const request = check.validateRegisterNode(raw);
      return this.#op((t) => ops.registerNode(t.state, request, self, now()));
    });
    serve(mgmtdHeartbeat, (raw) => this.#heartbeat(raw));
    serve(mgmtdGetRouting, async (raw) => {
      const { knownVersion } = check.validateGetRouting(raw);
      const term = this.#activeTerm();
      return knownVersion < term.state.routingVersion ? { routing: term.state.snapshot(self, term.bootstrapping) } : {};
    });
    serve(mgmtdCreateTargets, (raw) => {
      const request = check.validateCreateTargets(raw);
      return this.#op((t) => ops.createTargets(t.state, request, now()));
    });
    serve(mgmtdSetChains, (raw) => {
      const request = check.validateSetChains(raw);
      return this.#op((t) => ops.setChains(t.state, request, now()));
    });
    serve(mgmtdSetChainTable, (raw) => {
      const request = check.validateSetChainTable(raw);
      return this.#mutation((t) => this.#commit(t, ops.setChainTable(t.state, request)));
    });
    serve(mgmtdUpdateChain, (raw) => {
      const request = check.validateUpdateChain(raw);
      return this.#op((t) => ops.updateChain(t.state, request));
    });
    serve(mgmtdOfflineTarget, (raw) => {
      const request = check.validateTargetRequest(raw);
      return this.#op((t) => ops.offlineTarget(t.state, request, !t.bootstrapping));
    });
    serve(mgmtdRemoveTarget, (raw) => {
      const request = check.validateTargetRequest(raw);
      return this.#op((t) => ops.removeTarget(t.state, request));
    });
    serve(mgmtdExtendSession, async (r) => {
      const request = check.validateExtendSession(r);
      const term = this.#activeTerm();
      term.state.sessions.set(request.clientId, { ...request, expiresNs: now() + this.#options.clientSessionTimeoutNs });
      return { routingVersion: term.state.routingVersion };
    });
  }

  async #heartbeat(raw: unknown): Promise<{ routingVersion: number }> {
    const request = check.validateHeartbeat(raw);
    let term = this.#activeTerm();
    precheckHeartbeat(request, { self: this.#env.nodeId, nowWallNs: this.#env.clock.wallNs(), clockWindowNs: this.#options.heartbeatClockWindowNs });
    if (!term.state.nodes.has(request.nodeId)) {
      if (!this.#options.allowUnregisteredHeartbeat) throw new FlyerError('MGMTD_NODE_UNKNOWN', `${request.nodeId} sent a heartbeat before registering`);
      await this.#op((t) => ops.registerNode(t.state, { nodeId: request.nodeId, type: request.type }, this.#env.nodeId, this.#env.clock.now()));
      if (this.#activeTerm() !== term) throw new FlyerError('MGMTD_LEASE_LOST', 'lease term changed while registering');
      term = this.#activeTerm();
    }
    try {
      const { ignoredReports } = acceptHeartbeat(term.state, term.state.nodes.get(request.nodeId)!, request, this.#env.clock.now(), this.#options.ignoreStaleTargetReports);
      this.#env.sometimes('mgmtd: heartbeat report ignored (stale chain version or not owned)', ignoredReports > 0);
    } catch (error) {
      this.#env.sometimes('mgmtd: stale heartbeat refused', isFlyerError(error, 'MGMTD_HEARTBEAT_STALE'));
      throw error;
    }
    return { routingVersion: term.state.routingVersion };
  }

  /** A state change that answers with the routing version that covers it. */
  async #op(compute: (term: Term) => ops.MgmtdChange<void>): Promise<Ack> {
    return this.#mutation(async (term) => {
      await this.#commit(term, compute(term));
      return { routingVersion: term.state.routingVersion };
    });
  }

  /** Runs `body` alone (after every earlier mutation), on the term current when it starts. */
  #mutation<T>(body: (term: Term) => Promise<T>): Promise<T> {
    const result = this.#queue.then(() => body(this.#activeTerm()));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Persists a change with the lease re-checked and the routing version bumped in one transaction,
   * then applies it in memory. A change with no KV half is applied at once (volatile state only).
   */
  async #commit<T>(term: Term, change: ops.MgmtdChange<T>): Promise<T> {
    if (!change.write) return change.apply();
    const version = term.state.routingVersion + 1;
    try {
      await this.#kv.transact(async (txn) => {
        await ensureLeaseValid(txn, this.#env.nodeId, this.#env.clock.wallNs());
        const stored = await readRoutingVersion(txn);
        assert(stored === version - 1, `stored routing version ${stored} but primary ${this.#env.nodeId} has ${version - 1}`);
        change.write!(txn);
        writeRoutingVersion(txn, version);
      }, { maxRetries: this.#options.kvMaxRetries });
    } catch (error) {
      if (isFlyerError(error, 'MGMTD_LEASE_LOST')) this.#stepDown('lease lost on write');
      throw error;
    }
    if (this.#term !== term) throw new FlyerError('MGMTD_LEASE_LOST', 'stepped down while committing');
    const result = change.apply();
    term.state.bumpedTo(version);
    term.state.checkInvariants();
    return result;
  }

  /** The live term, or NOT_PRIMARY (naming the primary if known) / BOOTSTRAPPING while loading. */
  #activeTerm(): Term {
    const term = this.#term;
    const wallNs = this.#env.clock.wallNs();
    if (term && wallNs <= term.leaseEndNs) return term;
    if (term) this.#stepDown('lease expired before it was extended');
    if (this.#loading) throw new FlyerError('MGMTD_BOOTSTRAPPING', `${this.#env.nodeId} is loading the cluster state`);
    const lease = this.#lease;
    const holder = lease && lease.leaseEndNs >= wallNs && lease.primary !== this.#env.nodeId ? lease.primary : undefined;
    throw notPrimaryError(holder, `asked ${this.#env.nodeId}`);
  }

  #stepDown(reason: string): void {
    if (!this.#term) return;
    this.#term = undefined;
    this.#env.log.warn('mgmtd is no longer primary', { reason });
  }

  /** 3FS MgmtdLeaseExtender: take or extend the lease; on a new lease, load everything. */
  async #extendLease(): Promise<void> {
    // A primary that misses extensions (a long GC pause, a slow KV) must lose the lease safely.
    if (this.#env.buggify('mgmtd: skip a lease extension', 0.1)) return;
    const self = this.#env.nodeId;
    const nowWallNs = this.#env.clock.wallNs();
    const lease = await this.#kv.transact(async (txn) => {
      const decision = decideLease(await readLease(txn), self, nowWallNs, this.#options.leaseLengthNs);
      if (decision.write) writeLease(txn, decision.lease);
      return decision.lease;
    }, { maxRetries: this.#options.kvMaxRetries });
    this.#lease = lease;
    if (lease.primary !== self) {
      this.#stepDown(`${lease.primary} holds the lease`);
      return;
    }
    if (this.#term?.leaseStartNs === lease.leaseStartNs) {
      this.#term.leaseEndNs = lease.leaseEndNs;
      return;
    }
    this.#stepDown('lease restarted');
    await this.#takeOver(lease);
  }

  /** Loads the persisted state and bumps the routing version in one transaction, then starts a term. */
  async #takeOver(lease: MgmtdLease): Promise<void> {
    this.#loading = true;
    try {
      const { persisted, version } = await this.#kv.transact(async (txn) => {
        await ensureLeaseValid(txn, this.#env.nodeId, this.#env.clock.wallNs());
        const loaded = await loadMgmtdState(txn);
        writeRoutingVersion(txn, loaded.routingVersion + 1);
        return { persisted: loaded, version: loaded.routingVersion + 1 };
      }, { maxRetries: this.#options.kvMaxRetries });
      const nowNs = this.#env.clock.now();
      this.#term = {
        state: MgmtdState.fromPersisted(persisted, version, nowNs),
        leaseStartNs: lease.leaseStartNs,
        leaseEndNs: lease.leaseEndNs,
        bootstrapping: this.#options.bootstrappingNs > 0,
        bootstrapUntilNs: nowNs + this.#options.bootstrappingNs,
      };
      this.#env.sometimes('mgmtd: a manager took over as primary');
      this.#env.log.info('mgmtd became primary', { routingVersion: version, chains: persisted.chains.length, nodes: persisted.nodes.length });
    } finally {
      this.#loading = false;
    }
  }

  #checkHeartbeats(): void {
    const term = this.#term;
    if (!term || !this.isPrimary) return;
    const nowNs = this.#env.clock.now();
    const { failedNodes, offlineTargets } = detectFailures(term.state, nowNs, this.#options.heartbeatFailNs);
    expireSessions(term.state, nowNs);
    if (failedNodes.length > 0 || offlineTargets.length > 0) {
      this.#env.sometimes('mgmtd: heartbeat failure detected');
      this.#env.log.info('mgmtd: heartbeats timed out', { failedNodes, offlineTargets: offlineTargets.length });
    }
  }

  /** 3FS MgmtdChainsUpdater, plus the end of bootstrapping (which clients see as a version bump). */
  #updateChains(): Promise<void> {
    if (!this.isPrimary) return Promise.resolve();
    return this.#mutation(async (term) => {
      if (term.bootstrapping) {
        if (this.#env.clock.now() < term.bootstrapUntilNs) return;
        await this.#commit(term, { write: () => undefined, apply: () => { term.bootstrapping = false; } });
        return;
      }
      const changed = await this.#commit(term, ops.updateChains(term.state, this.#env.clock.now(), this.#options.newChainBootstrapNs));
      if (changed.length > 0) {
        this.#env.sometimes('mgmtd: the state machine changed a chain');
        this.#env.log.info('mgmtd: chains changed', { chains: changed.map((c) => `${c.chainId}@${c.chainVersion}`).join(' ') });
      }
    });
  }

  async #loop(name: string, intervalNs: number, body: () => Promise<void>): Promise<void> {
    while (!this.#stopped) {
      try {
        await body();
      } catch (error) {
        const benign = isFlyerError(error) && ['MGMTD_NOT_PRIMARY', 'MGMTD_LEASE_LOST', 'MGMTD_BOOTSTRAPPING', 'KV_CONFLICT'].includes(error.code);
        if (!benign) this.#backgroundFailures++;
        this.#env.log[benign ? 'info' : 'error'](`mgmtd: ${name} failed`, { error: String(error) });
      }
      // No abort signal on the sleep: a long-lived signal would collect one listener per sleep. The
      // loop notices stop() when it wakes.
      await this.#env.clock.sleep(intervalNs);
    }
  }
}
