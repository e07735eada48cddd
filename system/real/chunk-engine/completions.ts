/**
 * The process-wide completion hub. The engine pushes finished operations onto one queue and signals an
 * eventfd; libuv watches that fd (koffi.node.poll, an epoll registration on the event loop itself), so
 * a burst of completions costs one wake-up and one synchronous harvest call. The alternative, a koffi
 * async call per I/O, costs 30-110 us each on this machine (toolchain notes §5) and caps a queue of 64
 * random reads far below the disk. The poll handle is referenced only while operations are pending,
 * so an idle engine never keeps the process alive.
 */
import koffi from 'koffi';
import { FlyerError } from '../../env/errors.ts';
import { COMPLETION_BYTES, Completion } from './layout.ts';
import type { NativeLibrary } from './library.ts';

/** Receives the completion record at `at` in `view`; must copy anything it keeps (the buffer is reused). */
export type Settle = (view: DataView, at: number) => void;

interface PendingOp {
  readonly settle: Settle;
  /** Buffers the engine reads or writes until completion: referenced here so they stay alive. */
  readonly keep: unknown;
}

const HARVEST_BATCH = 512;

export class CompletionHub {
  readonly #lib: NativeLibrary;
  readonly #pending = new Map<number, PendingOp>();
  readonly #buffer = Buffer.alloc(HARVEST_BATCH * COMPLETION_BYTES);
  readonly #view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset, this.#buffer.byteLength);
  readonly #poll: ReturnType<typeof koffi.node.poll>;
  #nextTag = 1;
  #referenced = false;

  constructor(lib: NativeLibrary) {
    this.#lib = lib;
    const fd = lib.fce_event_fd();
    if (fd < 0) throw new FlyerError('CHUNK_ENGINE_UNAVAILABLE', 'engine could not create its completion eventfd');
    this.#poll = koffi.node.poll(fd, { readable: true }, () => this.drain());
    this.#poll.unref();
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Registers an operation and returns its tag; pass the tag to the native submit call. */
  begin(settle: Settle, keep: unknown): number {
    const tag = this.#nextTag++;
    this.#pending.set(tag, { settle, keep });
    if (!this.#referenced) {
      this.#poll.ref();
      this.#referenced = true;
    }
    return tag;
  }

  /** The submit call failed synchronously: no completion will come for `tag`. */
  cancel(tag: number): void {
    this.#pending.delete(tag);
    this.#maybeUnref();
  }

  /** Harvests and settles everything completed so far. Runs on readiness of the eventfd. */
  drain(): void {
    for (;;) {
      const n = this.#lib.fce_harvest(this.#buffer, HARVEST_BATCH);
      for (let i = 0; i < n; i++) {
        const at = i * COMPLETION_BYTES;
        const tag = Completion.tag(this.#view, at);
        const op = this.#pending.get(tag);
        if (op === undefined) continue; // a tag from a cancelled submit cannot complete; nothing else is unknown
        this.#pending.delete(tag);
        op.settle(this.#view, at);
      }
      if (n < HARVEST_BATCH) break;
    }
    this.#maybeUnref();
  }

  #maybeUnref(): void {
    if (this.#referenced && this.#pending.size === 0) {
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
