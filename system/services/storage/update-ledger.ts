/**
 * Exactly-once that survives restarts, resyncs and head changes (3fs-notes §1.3 write step 2). The
 * in-memory channel table (channel-table.ts) answers retries while a node lives; this ledger, one per
 * target and durable, says for each client update channel which update (seq) this target last applied,
 * to which chunk, as which update version. A retried client write that reaches a head whose ledger
 * names it, on a chunk committed at or past that version, was applied already: it is answered, never
 * applied again (a re-application after a newer write was acknowledged breaks linearizability).
 *
 * Why an entry can be trusted, it is written (durably) when the update is applied as a pending version,
 * before that version can commit, and
 * - applying any update at version v on a chunk drops the entries of other updates at v or above on it
 *   (a pending version that was replaced never committed), so an entry at v <= the committed version
 *   names the update that version holds;
 * - a resync that replaces a chunk replaces its entries with the predecessor's (ForwardRequest.ledger),
 *   so entries follow the chunk's content down the chain, and a restarted replica that becomes head
 *   later knows every update its chunks hold.
 * Bounded: the least recently written channels are forgotten first. Not covered: a chunk removed since
 * the update was applied (its meta is gone and its versions start again), so a retry that arrives
 * after a remove of its chunk is applied again.
 *
 * @example
 * const ledger = await UpdateLedger.open(env, { targetId: 101, entriesMax: 1 << 20 });
 * await ledger.applied(chunkHex, 7, tag); // before version 7 may commit
 * ledger.lookup(tag); // { seq, chunkId: chunkHex, updateVersion: 7 }
 */
import type { Env } from '../../env/types.ts';
import { LedgerLog } from './ledger-log.ts';
import type { LedgerEntryWire, UpdateTag } from './messages.ts';

export interface LedgerEntry extends LedgerEntryWire {
  /** 32 hex digits. */
  readonly chunkId: string;
}

export interface UpdateLedgerOptions {
  readonly targetId: number;
  readonly entriesMax: number;
  /** Log bytes past the snapshot before a checkpoint is considered (default 1 MiB). */
  readonly checkpointBytes?: number;
}

/** Log records: an update applied, a chunk's entries replaced by resync, a piece of a snapshot. */
type LedgerRecord =
  | { readonly t: 'a'; readonly c: string; readonly v: number; readonly k?: string; readonly h?: number; readonly s?: number }
  | { readonly t: 'r'; readonly c: string; readonly e: ReadonlyArray<readonly [string, number, number, number]> }
  | { readonly t: 's'; readonly e: ReadonlyArray<readonly [string, number, number, string, number]> };

const SNAPSHOT_PIECE_ENTRIES = 4096;

export class UpdateLedger {
  /** Channel key -> entry, least recently written first. */
  readonly #byChannel = new Map<string, LedgerEntry>();
  /** Chunk id -> the channel keys whose entries name it. */
  readonly #byChunk = new Map<string, Set<string>>();
  #log!: LedgerLog;

  private constructor(readonly entriesMax: number) {}

  /** Opens (recovering) or creates the ledger of one target on the node's disk. */
  static async open(env: Env, options: UpdateLedgerOptions): Promise<UpdateLedger> {
    const ledger = new UpdateLedger(options.entriesMax);
    const { log, records } = await LedgerLog.open(env.disk, `update-ledger/target-${options.targetId}`, {
      checkpointBytes: options.checkpointBytes ?? 1 << 20,
      snapshot: () => ledger.#snapshot(),
    });
    ledger.#log = log;
    for (const record of records) ledger.#apply(record as LedgerRecord);
    return ledger;
  }

  get size(): number {
    return this.#byChannel.size;
  }

  /** The last update this target applied on `tag`'s channel, if it still remembers one. */
  lookup(tag: UpdateTag): LedgerEntry | undefined {
    return this.#byChannel.get(channelKey(tag.clientId, tag.channelId));
  }

  /**
   * Notes that an update (tagged, or untagged resync traffic with channel 0) was applied to `chunkId`
   * as pending version `updateVersion`; resolves once that is durable, which must be before the
   * version commits.
   */
  applied(chunkId: string, updateVersion: number, tag: UpdateTag): Promise<void> {
    const record: LedgerRecord = tag.channelId === 0
      ? { t: 'a', c: chunkId, v: updateVersion }
      : { t: 'a', c: chunkId, v: updateVersion, k: tag.clientId, h: tag.channelId, s: tag.seq };
    this.#apply(record);
    return this.#log.append(record);
  }

  /** The entries naming `chunkId`, as a resync sends them along with the chunk. */
  entriesOf(chunkId: string): LedgerEntryWire[] {
    const keys = this.#byChunk.get(chunkId);
    if (!keys) return [];
    return [...keys].map((key) => {
      const { clientId, channelId, seq, updateVersion } = this.#byChannel.get(key)!;
      return { clientId, channelId, seq, updateVersion };
    });
  }

  /** A resync replaced (or removed) `chunkId`: its entries become the predecessor's. Resolves once durable. */
  replaceChunk(chunkId: string, entries: readonly LedgerEntryWire[]): Promise<void> {
    const record: LedgerRecord = { t: 'r', c: chunkId, e: entries.map((e) => [e.clientId, e.channelId, e.seq, e.updateVersion] as const) };
    this.#apply(record);
    return this.#log.append(record);
  }

  close(): Promise<void> {
    return this.#log.close();
  }

  /** The one place state changes, live and in replay, so both arrive at the same ledger. */
  #apply(record: LedgerRecord): void {
    switch (record.t) {
      case 'a':
        // Entries at this version or above name pending versions this update replaced: they never committed.
        for (const key of [...(this.#byChunk.get(record.c) ?? [])]) {
          if (this.#byChannel.get(key)!.updateVersion >= record.v) this.#delete(key);
        }
        if (record.k !== undefined) this.#offer({ clientId: record.k, channelId: record.h!, seq: record.s!, chunkId: record.c, updateVersion: record.v });
        return;
      case 'r':
        for (const key of [...(this.#byChunk.get(record.c) ?? [])]) this.#delete(key);
        for (const [clientId, channelId, seq, updateVersion] of record.e) this.#offer({ clientId, channelId, seq, chunkId: record.c, updateVersion });
        return;
      case 's':
        for (const [clientId, channelId, seq, chunkId, updateVersion] of record.e) this.#offer({ clientId, channelId, seq, chunkId, updateVersion });
    }
  }

  /** Keeps `entry` unless its channel already has a later update (an old update's late forward). */
  #offer(entry: LedgerEntry): void {
    const key = channelKey(entry.clientId, entry.channelId);
    const existing = this.#byChannel.get(key);
    if (existing && existing.seq > entry.seq) return;
    this.#delete(key);
    this.#byChannel.set(key, entry);
    let keys = this.#byChunk.get(entry.chunkId);
    if (!keys) this.#byChunk.set(entry.chunkId, (keys = new Set()));
    keys.add(key);
    while (this.#byChannel.size > this.entriesMax) this.#delete(this.#byChannel.keys().next().value as string);
  }

  #delete(key: string): void {
    const entry = this.#byChannel.get(key);
    if (!entry) return;
    this.#byChannel.delete(key);
    const keys = this.#byChunk.get(entry.chunkId)!;
    keys.delete(key);
    if (keys.size === 0) this.#byChunk.delete(entry.chunkId);
  }

  #snapshot(): LedgerRecord[] {
    const entries = [...this.#byChannel.values()].map((e) => [e.clientId, e.channelId, e.seq, e.chunkId, e.updateVersion] as const);
    const pieces: LedgerRecord[] = [];
    for (let i = 0; i < entries.length; i += SNAPSHOT_PIECE_ENTRIES) pieces.push({ t: 's', e: entries.slice(i, i + SNAPSHOT_PIECE_ENTRIES) });
    return pieces;
  }
}

function channelKey(clientId: string, channelId: number): string {
  return `${clientId}\u0000${channelId}`;
}
