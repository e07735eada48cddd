import { assert } from '../../system/env/assert.ts';

const PAGE_BYTES = 4096;

/**
 * One simulated file's bytes as 4 KiB pages, with two views: what reads see now, and what survives a
 * crash (the last synced state). Writes copy a page on its first change after a sync, so a sync only
 * swaps page references, and a crash restores the synced pages. Pages never written read as zeros.
 */
export class PageFile {
  #pages = new Map<number, Uint8Array>();
  #syncedPages = new Map<number, Uint8Array>();
  #dirty = new Set<number>();
  #sizeBytes = 0;
  #syncedSizeBytes = 0;

  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  get hasUnsyncedChanges(): boolean {
    return this.#dirty.size > 0 || this.#sizeBytes !== this.#syncedSizeBytes;
  }

  read(offsetBytes: number, lengthBytes: number): Uint8Array {
    const end = Math.min(offsetBytes + lengthBytes, this.#sizeBytes);
    const out = new Uint8Array(Math.max(0, end - offsetBytes));
    for (let at = offsetBytes; at < end; ) {
      const pageNo = Math.floor(at / PAGE_BYTES);
      const inPage = at % PAGE_BYTES;
      const take = Math.min(PAGE_BYTES - inPage, end - at);
      const page = this.#pages.get(pageNo);
      if (page) out.set(page.subarray(inPage, inPage + take), at - offsetBytes);
      at += take;
    }
    return out;
  }

  write(offsetBytes: number, bytes: Uint8Array): void {
    assert(offsetBytes >= 0, `negative file offset ${offsetBytes}`);
    if (bytes.length === 0) return; // POSIX: a zero-length write changes nothing, not even the size
    for (let done = 0; done < bytes.length; ) {
      const at = offsetBytes + done;
      const pageNo = Math.floor(at / PAGE_BYTES);
      const inPage = at % PAGE_BYTES;
      const take = Math.min(PAGE_BYTES - inPage, bytes.length - done);
      this.#writablePage(pageNo).set(bytes.subarray(done, done + take), inPage);
      done += take;
    }
    this.#sizeBytes = Math.max(this.#sizeBytes, offsetBytes + bytes.length);
  }

  truncate(sizeBytes: number): void {
    assert(sizeBytes >= 0, `negative file size ${sizeBytes}`);
    if (sizeBytes < this.#sizeBytes) {
      const firstDropped = Math.ceil(sizeBytes / PAGE_BYTES);
      for (const pageNo of [...this.#pages.keys()]) {
        if (pageNo >= firstDropped) {
          this.#pages.delete(pageNo);
          this.#dirty.add(pageNo);
        }
      }
      const inPage = sizeBytes % PAGE_BYTES;
      const lastPage = Math.floor(sizeBytes / PAGE_BYTES);
      if (inPage !== 0 && this.#pages.has(lastPage)) this.#writablePage(lastPage).fill(0, inPage);
    }
    this.#sizeBytes = sizeBytes;
  }

  /** Makes everything written so far survive a crash. */
  sync(): void {
    for (const pageNo of this.#dirty) {
      const page = this.#pages.get(pageNo);
      if (page) this.#syncedPages.set(pageNo, page);
      else this.#syncedPages.delete(pageNo);
    }
    this.#dirty.clear();
    this.#syncedSizeBytes = this.#sizeBytes;
  }

  /** Forgets everything since the last sync, as a power loss would. */
  crash(): void {
    this.#pages = new Map(this.#syncedPages);
    this.#dirty.clear();
    this.#sizeBytes = this.#syncedSizeBytes;
  }

  #writablePage(pageNo: number): Uint8Array {
    let page = this.#pages.get(pageNo);
    if (this.#dirty.has(pageNo) && page) return page;
    const copy = new Uint8Array(PAGE_BYTES);
    if (page) copy.set(page);
    page = copy;
    this.#pages.set(pageNo, page);
    this.#dirty.add(pageNo);
    return page;
  }
}
