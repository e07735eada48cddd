/**
 * Crash safety: a child process (crash-child.ts) updates and commits chunks and is SIGKILLed at random
 * points, 50 times, on the same engine directory. After each kill the engine is reopened and must hold,
 * for every chunk, exactly the last acknowledged commit or (for the one operation in flight) the commit
 * it announced; reads must verify; uncommitted data must never be visible; and no slot may leak: the
 * allocators' used slots equal the slots the table references and the data files hold no more
 * allocated space than those slots. Some kills land during startup, i.e. during recovery itself.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { crc32c } from '../../system/env/crc32c.ts';
import { chunkId, CRASH_CHUNKS, MAX_ID, MIN_ID, openStore, readAll, tempDir } from './helpers.ts';

const ROUNDS = 50;
const childPath = join(dirname(fileURLToPath(import.meta.url)), 'crash-child.ts');

interface State {
  readonly ver: number;
  readonly len: number;
  readonly crc: number;
}
type Line = { readonly kind: 'I' | 'A'; readonly n: number; readonly state: State | undefined };

function parse(line: string): Line | undefined {
  const [kind, n, ver, len, crc] = line.split(' ');
  if (kind !== 'I' && kind !== 'A') return undefined;
  const state = Number(len) < 0 ? undefined : { ver: Number(ver), len: Number(len), crc: Number(crc) };
  return { kind, n: Number(n), state };
}

/** Runs one child until the kill and returns its complete stdout lines. */
async function runChild(dir: string, seed: number, killDelayMs: number, killBeforeReady: boolean): Promise<{ lines: Line[]; ready: boolean; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', childPath, dir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: Line[] = [];
  let ready = false;
  const kill = (): void => void child.kill('SIGKILL');
  if (killBeforeReady) setTimeout(kill, killDelayMs);
  createInterface({ input: child.stdout }).on('line', (text) => {
    if (text === 'R') {
      ready = true;
      if (!killBeforeReady) setTimeout(kill, killDelayMs);
      return;
    }
    const line = parse(text);
    if (line) lines.push(line);
  });
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  if (signal !== 'SIGKILL') throw new Error(`child exited with ${code ?? signal} before the kill:\n${stderr}`);
  return { lines, ready, stderr };
}

function same(a: State | undefined, b: State | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.ver === b.ver && a.len === b.len && a.crc === b.crc);
}

function allocatedDataBytes(dir: string): number {
  const dataDir = join(dir, 'data');
  return readdirSync(dataDir).reduce((sum, name) => sum + statSync(join(dataDir, name)).blocks * 512, 0);
}

test('every acknowledged commit survives SIGKILL, nothing uncommitted shows, no slot leaks (50 kills)', async (t) => {
  t.timeout(110_000);
  const dir = tempDir('crash');
  t.teardown(dir.remove);
  const expected = new Map<number, State | undefined>();
  let seed = 12345;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  let acks = 0;
  let interrupted = 0;
  const started = Date.now();
  for (let round = 0; round < ROUNDS; round++) {
    const killBeforeReady = next(8) === 0;
    const delay = killBeforeReady ? 150 + next(500) : next(4) === 0 ? next(3) : next(120);
    const { lines, ready } = await runChild(dir.path, round + 1, delay, killBeforeReady);
    let inFlight: Line | undefined;
    for (const line of lines) {
      if (line.kind === 'I') {
        inFlight = line;
      } else {
        expected.set(line.n, line.state);
        inFlight = undefined;
        acks++;
      }
    }
    if (inFlight) interrupted++;

    const store = await openStore(dir.path);
    for (let n = 0; n < CRASH_CHUNKS; n++) {
      const id = chunkId(n);
      const meta = await store.meta(id);
      const visible = meta && meta.commitVersion > 0 ? { ver: meta.commitVersion, len: meta.lengthBytes, crc: meta.crc32c } : undefined;
      const acked = expected.get(n);
      const announced = inFlight?.n === n ? inFlight.state : acked;
      if (!same(visible, acked) && !same(visible, announced)) {
        t.fail(`round ${round} (ready ${ready}, delay ${delay} ms) chunk ${n}: engine has ${JSON.stringify(visible)}, ` +
          `acknowledged ${JSON.stringify(acked)}, in flight ${JSON.stringify(inFlight?.n === n ? announced : null)}`);
      }
      if (visible) {
        const data = await readAll(store, id); // verifies the CRC32C of the whole chunk in the engine
        t.is(crc32c(data), visible.crc, `round ${round} chunk ${n} bytes`);
      } else {
        await t.throwsAsync(store.read(id, 0, 0), { message: /CHUNK_NOT_FOUND/ }, `round ${round} chunk ${n} must be invisible`);
      }
      expected.set(n, visible);
    }
    const stats = store.stats();
    t.is(stats.usedSlots, stats.referencedSlots, `round ${round}: allocator and table agree`);
    t.is(stats.pinnedSlots, 0);
    t.true(allocatedDataBytes(dir.path) <= stats.usedSlotBytes + 256 * 1024,
      `round ${round}: ${allocatedDataBytes(dir.path)} bytes allocated on disk for ${stats.usedSlotBytes} bytes of slots`);
    await store.close();
  }

  // Everything removed: every slot, reservation and disk block is given back.
  const store = await openStore(dir.path);
  await store.removeRange(MIN_ID, MAX_ID, 1000);
  const stats = store.stats();
  t.deepEqual([stats.chunkCount, stats.usedSlots, stats.reservedBytes], [0, 0, 0]);
  await store.close();
  t.true(allocatedDataBytes(dir.path) <= 64 * 1024, `${allocatedDataBytes(dir.path)} bytes still allocated`);
  t.true(acks > 100, `only ${acks} acknowledged commits over ${ROUNDS} rounds`);
  t.log(`${ROUNDS} kills, ${acks} acknowledged commits, ${interrupted} kills with an operation in flight, ${Date.now() - started} ms`);
});
