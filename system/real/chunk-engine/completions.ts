/**
 * The process-wide completion hub. The engine pushes finished operations onto one queue and signals an
 * eventfd (its io_uring signals the same fd); libuv watches that fd (koffi.node.poll, an epoll
 * registration on the event loop itself), so a burst of completions costs one wake-up and one
 * synchronous harvest call, which also reaps the ring. The alternative, a koffi async call per I/O,
 * costs 30-110 us each on this machine (toolchain notes §5) and caps a queue of 64 random reads far
 * below the disk. Reads submitted during one turn of the event loop are queued on the ring and sent
 * with a single fce_flush from a microtask. The poll handle is referenced only while operations are
 * pending, so an idle engine never keeps the process alive.
 */
import koffi from 'koffi';
import { FlyerError } from '../../env/errors.ts';
import { COMPLETION_BYTES, Completion } from './layout.ts';
import type { NativeLibrary } from './library.ts';

/** Receives the completion record at `at` in `view`; must copy anything it keeps (the buffer is reused). */
export type Settle = (view: DataView, at: number) => void;

const HARVEST_BATCH = 512;

export class CompletionHub {
  readonly #lib: NativeLibrary;
  // Pending operations by tag. A tag is a slot index, reused once its operation settled (or its submit
  // failed, in which case no completion can ever carry it): arrays, not a Map, as this is per I/O.
  readonly #settles: (Settle | undefined)[] = [];
  /** Buffers the engine reads or writes until completion: referenced here so they stay alive. */
  readonly #keeps: unknown[] = [];
  readonly #freeTags: number[] = [];
  #pendingCount = 0;
  readonly #buffer = Buffer.alloc(HARVEST_BATCH * COMPLETION_BYTES);
  readonly #view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset, this.#buffer.byteLength);
  readonly #poll: ReturnType<typeof koffi.node.poll>;
  #referenced = false;
  #flushQueued = false;
  readonly #flush = (): void => {
    this.#flushQueued = false;
    this.#lib.fce_flush();
  };

  constructor(lib: NativeLibrary) {
    this.#lib = lib;
    const fd = lib.fce_event_fd();
    if (fd < 0) throw new FlyerError('CHUNK_ENGINE_UNAVAILABLE', 'engine could not create its completion eventfd');
    this.#poll = koffi.node.poll(fd, { readable: true }, () => this.drain());
    this.#poll.unref();
  }

  get pendingCount(): number {
    return this.#pendingCount;
  }

  /** Registers an operation and returns its tag; pass the tag to the native submit call. */
  begin(settle: Settle, keep: unknown): number {
    const tag = this.#freeTags.pop() ?? this.#settles.length;
    this.#settles[tag] = settle;
    this.#keeps[tag] = keep;
    this.#pendingCount++;
    if (!this.#referenced) {
      this.#poll.ref();
      this.#referenced = true;
    }
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flush);
    }
    return tag;
  }

  /** The submit call failed synchronously: no completion will come for `tag`. */
  cancel(tag: number): void {
    this.#release(tag);
    this.#maybeUnref();
  }

  #release(tag: number): void {
    this.#settles[tag] = undefined;
    this.#keeps[tag] = undefined;
    this.#freeTags.push(tag);
    this.#pendingCount--;
  }

  /** Harvests and settles everything completed so far. Runs on readiness of the eventfd. */
  drain(): void {
    for (;;) {
      const n = this.#lib.fce_harvest(this.#buffer, HARVEST_BATCH);
      for (let i = 0; i < n; i++) {
        const at = i * COMPLETION_BYTES;
        const tag = Completion.tag(this.#view, at);
        const settle = this.#settles[tag];
        if (settle === undefined) throw new FlyerError('ASSERTION', `completion for unknown tag ${tag}`);
        this.#release(tag);
        settle(this.#view, at);
      }
      if (n < HARVEST_BATCH) break;
    }
    this.#maybeUnref();
  }

  #maybeUnref(): void {
    if (this.#referenced && this.#pendingCount === 0) {
      this.#poll.unref();
      this.#referenced = false;
    }
  }
}

let hub: CompletionHub | undefined;

export function completionHub(lib: NativeLibrary): CompletionHub {
  hub ??= new CompletionHub(lib);
  return hub;
}
