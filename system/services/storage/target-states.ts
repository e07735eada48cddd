/**
 * Local target states and the heartbeat reports that carry them (3fs-notes §1.3 "Local view of chains"
 * and "Startup protocol"):
 * - a started target reports OFFLINE until the routing shows it neither SERVING, SYNCING nor WAITING,
 *   so a restarted node always goes through recovery; then it reports ONLINE;
 * - ONLINE becomes UPTODATE when the public state becomes SERVING (or when a resync completes);
 * - UPTODATE whose public state turns OFFLINE, LASTSRV or WAITING goes back to fencing (reported
 *   OFFLINE, then ONLINE once fenced), so it is resynced before it serves again;
 * - a disk error makes the target OFFLINE for the rest of this process.
 */
import type { Env } from '../../env/types.ts';
import type { LocalTargetReport, PublicTargetState, RoutingInfo } from '../mgmtd/types.ts';
import { localChainView } from './chain-view.ts';
import type { LocalTarget } from './local-targets.ts';
import type { HeartbeatSink, RoutingSource } from './routing-source.ts';

export interface TargetStatesOptions {
  readonly heartbeatIntervalNs: number;
  readonly fencingIntervalNs: number;
}

const FENCED_OUT: ReadonlySet<PublicTargetState | undefined> = new Set<PublicTargetState | undefined>(['SERVING', 'SYNCING', 'WAITING']);
const DEMOTING: ReadonlySet<PublicTargetState | undefined> = new Set<PublicTargetState | undefined>(['OFFLINE', 'LASTSRV', 'WAITING', undefined]);

export class TargetStates {
  #stopped = false;
  #reporting: Promise<void> | undefined;
  #reportAgain = false;

  constructor(
    private readonly env: Env,
    private readonly targets: readonly LocalTarget[],
    private readonly routing: RoutingSource,
    private readonly sink: HeartbeatSink,
    private readonly options: TargetStatesOptions,
  ) {}

  get anyFencing(): boolean {
    return this.targets.some((t) => t.phase === 'fencing');
  }

  /** Starts the report loop; while a target is fenced it also refreshes the routing each round. */
  start(): void {
    void this.#loop();
  }

  /** Applies the transition rules to the current routing; reports at once if any local state changed. */
  evaluate(): void {
    const routing = this.routing.current();
    let changed = false;
    for (const target of this.targets) changed = this.#transition(target, routing) || changed;
    if (changed) this.reportSoon();
  }

  /** The predecessor finished resyncing this target (storage.syncDone). */
  markSynced(target: LocalTarget): void {
    if (target.phase !== 'active' || target.localState !== 'ONLINE') return;
    this.#set(target, 'UPTODATE', 'resync completed');
    this.reportSoon();
  }

  diskFailed(target: LocalTarget, error: unknown): void {
    if (target.phase === 'failed') return;
    target.phase = 'failed';
    this.env.sometimes('storage: disk error took a target offline');
    this.#set(target, 'OFFLINE', `disk error: ${error instanceof Error ? error.message : String(error)}`);
    this.reportSoon();
  }

  /** Sends a report now, or right after the one in flight. */
  reportSoon(): void {
    if (this.#reporting) {
      this.#reportAgain = true;
      return;
    }
    this.#reporting = this.#report().finally(() => {
      this.#reporting = undefined;
      if (this.#reportAgain && !this.#stopped) {
        this.#reportAgain = false;
        this.reportSoon();
      }
    });
  }

  /** Shutdown: one last report with every target OFFLINE (3FS does the same). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#reporting;
    for (const target of this.targets) target.localState = 'OFFLINE';
    await this.sink.report(this.targets.map((t) => ({ targetId: t.targetId, localState: 'OFFLINE', chainVersion: 0, usedBytes: 0, lowSpace: false })))
      .catch(() => undefined);
  }

  #transition(target: LocalTarget, routing: RoutingInfo | undefined): boolean {
    if (target.phase === 'failed') return this.#set(target, 'OFFLINE', 'disk failed');
    if (!routing) return false;
    const publicState = localChainView(routing, target.targetId)?.publicState;
    let changed = false;
    if (target.phase === 'active') {
      if (target.localState === 'ONLINE' && publicState === 'SERVING') changed = this.#set(target, 'UPTODATE', 'public state is SERVING');
      if (target.localState === 'UPTODATE' && DEMOTING.has(publicState)) {
        // Writes may have gone on without this target: it must not serve again before a resync.
        this.env.sometimes('storage: target lost its serving state and fences again');
        target.phase = 'fencing';
        changed = this.#set(target, 'OFFLINE', `public state is ${publicState ?? 'absent'}`);
      }
    }
    if (target.phase === 'fencing') {
      if (FENCED_OUT.has(publicState)) return this.#set(target, 'OFFLINE', 'fencing') || changed;
      target.phase = 'active';
      return this.#set(target, 'ONLINE', `fenced (public state ${publicState ?? 'absent'})`) || changed;
    }
    return changed;
  }

  #set(target: LocalTarget, state: LocalTarget['localState'], why: string): boolean {
    if (target.localState === state) return false;
    this.env.log.info('storage target local state', { targetId: target.targetId, from: target.localState, to: state, why });
    target.localState = state;
    return true;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      if (this.anyFencing) await this.routing.refresh().catch(() => undefined);
      if (this.#stopped) return;
      this.evaluate();
      this.reportSoon();
      await this.env.clock.sleep(this.anyFencing ? this.options.fencingIntervalNs : this.options.heartbeatIntervalNs);
    }
  }

  async #report(): Promise<void> {
    const routing = this.routing.current();
    const reports: LocalTargetReport[] = [];
    for (const target of this.targets) {
      let usedBytes = 0;
      let lowSpace = false;
      if (target.phase !== 'failed' && target.store) {
        try {
          ({ usedBytes, lowSpace } = await target.store.spaceInfo());
        } catch (error) {
          this.env.log.warn('storage spaceInfo failed', { targetId: target.targetId, error: String(error) });
        }
      }
      const chainVersion = routing ? (localChainView(routing, target.targetId)?.chainVersion ?? 0) : 0;
      reports.push({ targetId: target.targetId, localState: target.localState, chainVersion, usedBytes, lowSpace });
    }
    if (this.#stopped) return;
    try {
      await this.sink.report(reports);
    } catch (error) {
      this.env.log.warn('storage heartbeat report failed', { error: String(error) });
    }
  }
}
