import { FlyerError } from '../../system/env/errors.ts';
import { webcrypto } from 'node:crypto';

/**
 * In simulation, service code must take time and randomness from its Env. While the kernel runs
 * simulated work, these globals are replaced by functions that throw FLYER_ERR_NON_DETERMINISM, so a
 * stray Date.now() fails loudly in the seed that reaches it instead of silently breaking replay.
 * They are restored whenever the kernel yields to the real event loop (progress output, Ctrl-C, test
 * runners), and when the run ends.
 */
type Patch = { target: object; key: string | symbol; original: unknown; replacement: unknown };

function forbidden(name: string): () => never {
  return () => {
    throw new FlyerError('NON_DETERMINISM', `${name} called while the simulation runs; use the Env instead`);
  };
}

const OriginalDate = Date;
/** A Date that throws when asked for the current time but still parses and formats given instants. */
const TripwireDate = new Proxy(OriginalDate, {
  construct(target, args: unknown[]) {
    if (args.length === 0) forbidden('new Date()')();
    return Reflect.construct(target, args) as object;
  },
  apply() {
    return forbidden('Date()')();
  },
  get(target, key, receiver) {
    if (key === 'now') return forbidden('Date.now');
    return Reflect.get(target, key, receiver) as unknown;
  },
});

const patches: Patch[] = [
  { target: globalThis, key: 'Date', original: OriginalDate, replacement: TripwireDate },
  { target: Math, key: 'random', original: Math.random, replacement: forbidden('Math.random') },
  { target: globalThis, key: 'setTimeout', original: globalThis.setTimeout, replacement: forbidden('setTimeout') },
  { target: globalThis, key: 'setInterval', original: globalThis.setInterval, replacement: forbidden('setInterval') },
  { target: globalThis, key: 'setImmediate', original: globalThis.setImmediate, replacement: forbidden('setImmediate') },
  { target: process, key: 'nextTick', original: process.nextTick, replacement: forbidden('process.nextTick') },
  { target: performance, key: 'now', original: performance.now.bind(performance), replacement: forbidden('performance.now') },
  { target: webcrypto, key: 'getRandomValues', original: webcrypto.getRandomValues.bind(webcrypto), replacement: forbidden('crypto.getRandomValues') },
  { target: webcrypto, key: 'randomUUID', original: webcrypto.randomUUID.bind(webcrypto), replacement: forbidden('crypto.randomUUID') },
];

/** The kernel's own references, taken before any patching. */
export const realSetImmediate = globalThis.setImmediate;
export const realNextTick = process.nextTick.bind(process);

let installed = false;

export function installTripwires(): void {
  if (installed) return;
  for (const patch of patches) {
    Object.defineProperty(patch.target, patch.key, { value: patch.replacement, configurable: true, writable: true });
  }
  installed = true;
}

export function removeTripwires(): void {
  if (!installed) return;
  for (const patch of patches) {
    Object.defineProperty(patch.target, patch.key, { value: patch.original, configurable: true, writable: true });
  }
  installed = false;
}

export function tripwiresInstalled(): boolean {
  return installed;
}
