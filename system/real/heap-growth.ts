/**
 * Old-generation growth for data-plane processes (storage nodes, workload clients). Each socket read of
 * a server connection lands in a fresh buffer outside the JavaScript heap (Node offers accepted sockets
 * no `onread`; clients get large replies in buffers of their own too), and V8 counts such memory
 * allocated since the last full collection against the old generation's limit. With the small live heap of a storage node (about 10 MB) that limit sits only a
 * few MB above it, so a node receiving chunk writes ran a full mark-compact every ~10 MiB it received:
 * 12-16 per 200 MB copied, ~40 % of its CPU (concurrent marking threads included) on 2 cores. Letting
 * the old generation grow to 4x its live size before the next full collection leaves room for the
 * cheap young-generation collections that free those short-lived buffers (measured: 0-3 full
 * collections per 200 MB, 0.65 -> 0.37 s of CPU per node). A larger live heap grows the limit with it.
 */
import { setFlagsFromString } from 'node:v8';

/** Heap growing factor 1 + 300 % = 4: V8 reads it whenever it sets a new limit, so it applies from the next collection. */
const HEAP_GROWING_PERCENT = 300;

export function growHeapForDataPlane(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
