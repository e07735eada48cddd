/**
 * The metadata crash must-show, on a real local cluster: client workers stream creates, mkdirs,
 * renames and removes through one meta server, which is SIGKILLed mid-stream, several rounds. After
 * each kill the server's KV (what a restart replays) must hold every acknowledged operation, at most
 * the one unacknowledged operation per worker either wholly or not at all, and the namespace
 * invariants (namespace-invariants.ts); after restarting the server on the same data directory the API
 * must show the same, and the workers carry on.
 */
import { join } from 'node:path';
import test from 'ava';
import { clusterPaths, readManifest } from '../../system/cli/cluster/cluster-manifest.ts';
import { LocalLauncher } from '../../system/cli/cluster/local-launcher.ts';
import { isFlyerError } from '../../system/env/errors.ts';
import { DurableKv } from '../../system/env/kv-durable.ts';
import { randomStream } from '../../system/env/random.ts';
import { RealDisk } from '../../system/real/real-disk.ts';
import { createRealEnv, type PeerAddress } from '../../system/real/real-env.ts';
import { MetaClient } from '../../system/services/meta/meta-client.ts';
import { clusterUp, processesUsing, runFlyer, tempClusterDir } from '../cluster/helpers.ts';
import { apiViolations, rawList, rawViolations, readRawNamespace } from './namespace-invariants.ts';

const MS = 1_000_000;
const WORKERS = 4;
const ROUNDS = 3;

type Kind = 'file' | 'directory';
type Model = Map<string, Kind>;
/** One operation: what it does to a worker's directory listing. */
interface Op {
  readonly what: string;
  apply(model: Model): Model;
  run(meta: MetaClient): Promise<unknown>;
}

/** Picks the next operation of a worker from its model (every op is valid in the model's state). */
function nextOp(dir: string, model: Model, draw: ReturnType<typeof randomStream>, serial: () => number): Op {
  const files = [...model].filter(([, k]) => k === 'file').map(([n]) => n);
  const dirs = [...model].filter(([, k]) => k === 'directory').map(([n]) => n);
  const roll = draw.next();
  const with_ = (model: Model, change: (m: Model) => void): Model => {
    const next = new Map(model);
    change(next);
    return next;
  };
  if (files.length > 0 && roll < 0.25) {
    const from = files[draw.int(files.length)]!;
    const to = `r${serial()}`;
    return { what: `rename ${from} -> ${to}`, apply: (m) => with_(m, (n) => { n.delete(from); n.set(to, 'file'); }), run: (meta) => meta.rename(`${dir}/${from}`, `${dir}/${to}`) };
  }
  if (files.length > 0 && roll < 0.45) {
    const name = files[draw.int(files.length)]!;
    return { what: `remove ${name}`, apply: (m) => with_(m, (n) => n.delete(name)), run: (meta) => meta.remove(`${dir}/${name}`, { expect: 'file' }) };
  }
  if (dirs.length > 0 && roll < 0.5) {
    const name = dirs[draw.int(dirs.length)]!;
    return { what: `rmdir ${name}`, apply: (m) => with_(m, (n) => n.delete(name)), run: (meta) => meta.remove(`${dir}/${name}`, { expect: 'directory' }) };
  }
  if (dirs.length > 0 && roll < 0.55) {
    const from = dirs[draw.int(dirs.length)]!;
    const to = `e${serial()}`;
    return { what: `rename dir ${from} -> ${to}`, apply: (m) => with_(m, (n) => { n.delete(from); n.set(to, 'directory'); }), run: (meta) => meta.rename(`${dir}/${from}`, `${dir}/${to}`) };
  }
  if (roll < 0.62) {
    const name = `d${serial()}`;
    return { what: `mkdir ${name}`, apply: (m) => with_(m, (n) => n.set(name, 'directory')), run: (meta) => meta.mkdirs(`${dir}/${name}`) };
  }
  const name = `f${serial()}`;
  return { what: `create ${name}`, apply: (m) => with_(m, (n) => n.set(name, 'file')), run: (meta) => meta.create(`${dir}/${name}`, { exclusive: true }) };
}

function same(a: ReadonlyMap<string, string> | undefined, b: ReadonlyMap<string, string>): boolean {
  return a !== undefined && a.size === b.size && [...b].every(([name, kind]) => a.get(name) === kind);
}

function describe(model: ReadonlyMap<string, string> | undefined): string {
  return model ? [...model].map(([n, k]) => `${n}:${k[0]}`).sort().join(' ') : '(missing)';
}

test(`a meta server SIGKILLed mid-stream loses no acknowledged operation and shows no partial one (${ROUNDS} rounds)`, async (t) => {
  t.timeout(240_000);
  const dir = tempClusterDir(t, 'meta-crash');
  const up = await clusterUp(dir, ['--chunk-size', '64KiB']);
  t.is(up.code, 0, `cluster up failed:\n${up.stderr}`);
  const manifest = readManifest(dir);
  const metaNode = manifest.nodes.find((n) => n.role === 'meta')!;
  const launcher = new LocalLauncher({ dir, exitWithPid: process.pid });
  const peers: Record<string, PeerAddress> = {};
  for (const node of manifest.nodes) peers[node.id] = { host: node.host, port: node.port };
  const env = createRealEnv({ nodeId: 'crash-client', peers, dataDir: join(dir, 'client'), logLevel: 'error', seed: 7 });
  await env.start();
  t.teardown(() => env.close());
  // Short retries: an operation caught by the kill fails within a few seconds (its outcome unknown).
  const meta = new MetaClient(env, { servers: [metaNode.id], caller: { clientId: 'crash-client', uid: 0, gid: 0 }, attemptTimeoutNs: 500 * MS, totalTimeoutNs: 1500 * MS });
  const draw = randomStream(7, 'crash-test', 'ops');
  let counter = 0;
  const serial = (): number => ++counter;

  await meta.mkdirs('/crash', { recursive: true });
  const dirs = Array.from({ length: WORKERS }, (_, w) => `/crash/w${w}`);
  for (const d of dirs) await meta.mkdirs(d);
  const models: Model[] = dirs.map(() => new Map());
  let acknowledged = 0;
  let inFlightAtKill = 0;
  /** Operations caught by a kill that the KV shows as done (committed, reply lost) / not done. */
  const caughtOutcome = { committed: 0, notCommitted: 0 };

  for (let round = 1; round <= ROUNDS; round++) {
    let stop = false;
    const uncertain: Array<Op | undefined> = dirs.map(() => undefined);
    const workers = dirs.map(async (d, w) => {
      while (!stop) {
        const op = nextOp(d, models[w]!, draw, serial);
        try {
          await op.run(meta);
          models[w] = op.apply(models[w]!);
          acknowledged++;
        } catch (error) {
          // Only the kill may fail an operation (no server answered), and then its outcome is unknown:
          // it settles below. Any other failure is a bug in the service or in this model.
          if (!stop || !isFlyerError(error, 'META_NO_SERVER')) throw error;
          uncertain[w] = op;
          return;
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 400 + draw.int(800)));
    stop = true;
    await launcher.kill(metaNode);
    await Promise.all(workers);
    const caught = uncertain.filter(Boolean).length;
    inFlightAtKill += caught;

    // What a restart replays: the KV log as the killed process left it.
    const kv = await DurableKv.open(new RealDisk(clusterPaths.data(dir, metaNode.id)), 'meta');
    const raw = await readRawNamespace(kv);
    await kv.close();
    t.deepEqual(rawViolations(raw), [], `round ${round}: namespace invariants in the KV`);
    dirs.forEach((d, w) => {
      const actual = rawList(raw, d);
      const op = uncertain[w];
      if (same(actual, models[w]!)) {
        if (op) caughtOutcome.notCommitted++;
        return;
      }
      if (op && same(actual, op.apply(models[w]!))) {
        models[w] = op.apply(models[w]!);
        caughtOutcome.committed++;
        return;
      }
      t.fail(`round ${round}, ${d}: KV has [${describe(actual)}], acknowledged [${describe(models[w])}]${op ? `, in flight: ${op.what}` : ''}`);
    });

    const restarted = await launcher.start(metaNode, { readyTimeoutMs: 60_000 });
    t.log(`round ${round}: ${acknowledged} ops acknowledged so far, ${caught} in flight at the kill; meta back in ${(restarted.readyMs / 1000).toFixed(1)} s`);
    for (const [w, d] of dirs.entries()) {
      const listed = new Map((await meta.listAll(d)).map((e) => [e.name, e.type as Kind]));
      t.true(same(listed, models[w]!), `round ${round}, ${d} after restart: [${describe(listed)}] vs [${describe(models[w])}]`);
    }
  }
  t.true(acknowledged > 100, `${acknowledged} operations acknowledged`);
  t.true(inFlightAtKill > 0, 'at least one operation was in flight at a kill');
  t.log(`operations caught by a kill: ${caughtOutcome.committed} had committed (reply lost), ${caughtOutcome.notCommitted} had not`);

  const { problems, entries } = await apiViolations(meta);
  t.deepEqual(problems, [], 'namespace invariants through the API');
  t.true(entries >= WORKERS);
  // The restarted server takes new work.
  await meta.create('/crash/after', { exclusive: true });
  t.like(await meta.stat('/crash/after'), { type: 'file', lengthBytes: 0 });

  const down = await runFlyer(['cluster', 'down', '--dir', dir]);
  t.is(down.code, 0, down.stderr);
  t.deepEqual(processesUsing(dir), []);
});
