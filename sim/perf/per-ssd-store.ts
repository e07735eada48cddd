/**
 * A chunk store factory for performance runs that puts each target on one of several SSDs of its node.
 *
 * A simulated node has one SsdModel, which the simulated chunk store charges data I/O to. A 3FS
 * storage node has 16 or so NVMe drives with targets spread over them, and a chunk is read from the one
 * drive its target sits on: per-drive bandwidth and per-drive load imbalance are part of what limits
 * reads. This factory keeps the simulated chunk store's semantics (versions, WAL, checks) and charges
 * its data transfers to a per-(node, drive) SsdModel instead:
 *
 * - the inner SimChunkStore gets a Disk that is not a SimDisk, so its own data charge is free
 *   (sim/chunk-store/data-io.ts); its write-ahead log still goes to the node's own disk and SSD model;
 * - reads and updates are then charged to the target's drive, and resume the caller as a wake of the
 *   incarnation that issued them, as SimDisk does.
 *
 * Drives are hardware: they outlive node incarnations. No disk faults are injected here.
 */
import type { ChunkId, ChunkMeta, ChunkReadResult, ChunkStore, ChunkStoreOptions, ChunkUpdateRequest, SpaceInfo } from '../../system/env/chunk-store.ts';
import type { Disk, Env } from '../../system/env/types.ts';
import { SimChunkStore } from '../chunk-store/sim-chunk-store.ts';
import { SsdModel, type SsdOptions } from '../disk/ssd-model.ts';
import type { SimEnv } from '../sim-env.ts';
import type { Simulation } from '../simulation.ts';

export interface PerSsdStoreOptions {
  readonly ssd: SsdOptions;
  /** Which drive (0-based, of its node) each target sits on. */
  readonly diskOfTarget: (targetId: number) => number;
}

export class PerSsdStores {
  /** Drives by `${nodeId}/${disk}`, created on first use. */
  readonly #drives = new Map<string, SsdModel>();
  /** One non-SimDisk wrapper per Disk (one Disk per node incarnation). */
  readonly #uncharged = new WeakMap<Disk, Disk>();
  #sim: Simulation | undefined;

  constructor(readonly options: PerSsdStoreOptions) {}

  /** Must be called before the simulation opens any store. */
  attach(sim: Simulation): void {
    this.#sim = sim;
  }

  get drives(): ReadonlyMap<string, SsdModel> {
    return this.#drives;
  }

  drive(nodeId: string, disk: number): SsdModel {
    const key = `${nodeId}/${disk}`;
    let drive = this.#drives.get(key);
    if (!drive) this.#drives.set(key, (drive = new SsdModel(this.#simulation().kernel, this.options.ssd)));
    return drive;
  }

  readonly factory = async (env: Env, options: ChunkStoreOptions): Promise<ChunkStore> => {
    const sim = this.#simulation();
    const incarnation = (env as SimEnv).incarnation;
    const node = sim.node(env.nodeId);
    const drive = this.drive(env.nodeId, this.options.diskOfTarget(options.targetId));
    const charge = (operation: 'read' | 'write', sizeBytes: number): Promise<void> =>
      new Promise<void>((resolve) => {
        drive.submit(operation, sizeBytes, () => {
          if (node.isCurrent(incarnation)) node.wakeNow(incarnation, resolve);
        });
      });
    // SimChunkStore.open reads only `disk` and `nodeId` from its Env.
    const innerEnv = Object.create(env, { disk: { value: this.#uncharge(env.disk) } }) as Env;
    const inner = await SimChunkStore.open(innerEnv, options);
    return new DriveChargedStore(inner, charge);
  };

  #uncharge(disk: Disk): Disk {
    let wrapped = this.#uncharged.get(disk);
    if (!wrapped) {
      wrapped = {
        open: (name, openOptions) => disk.open(name, openOptions),
        exists: (name) => disk.exists(name),
        remove: (name) => disk.remove(name),
        list: (prefix) => disk.list(prefix),
      };
      this.#uncharged.set(disk, wrapped);
    }
    return wrapped;
  }

  #simulation(): Simulation {
    if (!this.#sim) throw new Error('PerSsdStores.attach(sim) was not called');
    return this.#sim;
  }
}

/** The inner store's semantics, with data transfers timed by the target's drive. */
class DriveChargedStore implements ChunkStore {
  constructor(
    private readonly inner: SimChunkStore,
    private readonly charge: (operation: 'read' | 'write', sizeBytes: number) => Promise<void>,
  ) {}

  async read(chunkId: ChunkId, offsetBytes: number, lengthBytes: number): Promise<ChunkReadResult> {
    // The version is taken at submission, as the simulated store does; the drive then takes its time.
    const result = await this.inner.read(chunkId, offsetBytes, lengthBytes);
    await this.charge('read', lengthBytes);
    return result;
  }

  async update(request: ChunkUpdateRequest): Promise<ChunkMeta> {
    const { update } = request;
    await this.charge('write', update.kind === 'write' || update.kind === 'replace' ? update.payload.sizeBytes : 0);
    return this.inner.update(request);
  }

  commit(chunkId: ChunkId, updateVersion: number, chainVersion: number): Promise<ChunkMeta> {
    return this.inner.commit(chunkId, updateVersion, chainVersion);
  }

  meta(chunkId: ChunkId): Promise<ChunkMeta | undefined> {
    return this.inner.meta(chunkId);
  }

  list(begin: ChunkId, end: ChunkId, limit: number): Promise<ChunkMeta[]> {
    return this.inner.list(begin, end, limit);
  }

  removeRange(begin: ChunkId, end: ChunkId, limit: number): Promise<number> {
    return this.inner.removeRange(begin, end, limit);
  }

  spaceInfo(): Promise<SpaceInfo> {
    return this.inner.spaceInfo();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
