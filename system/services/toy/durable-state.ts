import { assert } from '../../env/assert.ts';
import { crc32c } from '../../env/crc32c.ts';
import type { Disk } from '../../env/types.ts';
import { EMPTY_COUNTER, type CounterState } from './messages.ts';

const STATE_FILE = 'toy-counter.state';
const HEADER_BYTES = 8;

/**
 * The counter's state on disk: [u32 length][u32 crc32c][JSON], synced before the change is
 * acknowledged or replicated. Two slots alternate by version parity, so a write torn by a crash can
 * only damage the slot being written: loading takes the newest slot whose checksum holds.
 */
export async function loadCounterState(disk: Disk): Promise<CounterState> {
  let best: CounterState = EMPTY_COUNTER;
  for (const slot of [0, 1]) {
    const name = `${STATE_FILE}.${slot}`;
    if (!(await disk.exists(name))) continue;
    const file = await disk.open(name);
    const bytes = await file.read(0, file.sizeBytes());
    await file.close();
    const state = decodeState(bytes);
    if (state && state.version > best.version) best = state;
  }
  return best;
}

export async function saveCounterState(disk: Disk, state: CounterState): Promise<void> {
  const slot = state.version % 2;
  const body = new TextEncoder().encode(JSON.stringify(state));
  const bytes = new Uint8Array(HEADER_BYTES + body.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, body.length, true);
  view.setUint32(4, crc32c(body), true);
  bytes.set(body, HEADER_BYTES);
  const file = await disk.open(`${STATE_FILE}.${slot}`, { create: true });
  await file.truncate(0);
  await file.write(0, bytes);
  await file.sync();
  await file.close();
}

function decodeState(bytes: Uint8Array): CounterState | undefined {
  if (bytes.length < HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, true);
  if (length !== bytes.length - HEADER_BYTES) return undefined;
  const body = bytes.subarray(HEADER_BYTES);
  if (crc32c(body) !== view.getUint32(4, true)) return undefined;
  const state = JSON.parse(new TextDecoder().decode(body)) as CounterState;
  assert(Number.isSafeInteger(state.value) && Number.isSafeInteger(state.version), 'counter state fields must be integers');
  return state;
}
