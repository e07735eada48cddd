import { createHash } from 'node:crypto';
import test from 'ava';
import fc from 'fast-check';
import { isFlyerError } from '../../system/env/errors.ts';
import type { Env } from '../../system/env/types.ts';
import type { MetaClient } from '../../system/services/meta/meta-client.ts';
import { ROOT_INODE_ID } from '../../system/services/meta/types.ts';
import { commandArb, compareOutcome, concretize, IdMap, runOnModel, runOnService, type Command } from './commands.ts';
import { callerOf } from './harness.ts';
import { checkInvariants, kvNamespace, renderTree, snapshotKv, type MetaSnapshot, type NamespaceView } from './kv-state.ts';
import { REF_ROOT_ID, ReferenceFs } from './reference-fs.ts';
import { ATTEMPT_TIMEOUT_NS, clientApi, MetaSimCluster, MS, S } from './sim-cluster.ts';

// Goal: the metadata service on three simulated meta servers over the shared simulated KV, used by three
// clients through MetaClient while a nemesis crashes and restarts meta servers. Each client works in its
// own subtree and checks every acknowledged result against its own reference model right away; all of
// them also race on shared names (exclusive create, rename of one token, hard links to one file, the same
// non-exclusive create), which conflicts in the KV and has one right outcome. At the end, with GC
// settled: each subtree is its model's tree, the races came out right, the KV holds every invariant with
// nothing removed left over, no client gave up, and a seed replays to the same state.

const SEEDS = Number(process.env.META_SIM_SEEDS ?? 30);
const CLIENTS = 3;
const OPS_PER_CLIENT = 60;
const RACE_EVERY_OPS = 6;
const RACE_ROUNDS = OPS_PER_CLIENT / RACE_EVERY_OPS;

interface RaceLog {
  /** Per round: the clients whose exclusive create of /shared/x<k> succeeded. */
  readonly exclusiveWinners: Map<number, number[]>;
  /** Per round: the clients whose rename of /shared/t<k> succeeded. */
  readonly tokenWinners: Map<number, number[]>;
  /** Per round: the inode ids the non-exclusive creates of /shared/f<k> returned. */
  readonly sameFileIds: Map<number, Set<number>>;
  /** Setup creates of /shared/base and the tokens, by path: ids returned. */
  readonly setupIds: Map<string, Set<number>>;
}

interface SeedOutcome {
  readonly problems: string[];
  readonly fingerprint: string;
  readonly conflicts: number;
  readonly crashes: number;
  readonly commands: number;
  readonly failovers: number;
  readonly lost: number;
  readonly doubled: number;
}

async function runSeed(seed: number): Promise<SeedOutcome> {
  const problems: string[] = [];
  const models: ReferenceFs[] = [];
  const races: RaceLog = { exclusiveWinners: new Map(), tokenWinners: new Map(), sameFileIds: new Map(), setupIds: new Map() };
  let ready = 0;
  let commands = 0;
  let failovers = 0;

  const client = async (env: Env, id: number, meta: MetaClient): Promise<void> => {
    const api = clientApi(meta);
    const model = (models[id] = new ReferenceFs());
    const ids = new IdMap();
    const prefix = `/c${id}`;
    const pacing = env.random('test.pacing');
    const check = async (command: Command): Promise<void> => {
      commands++;
      const startNs = env.clock.now();
      const actual = await runOnService(api, command);
      // Longer than one attempt: the first server it tried crashed or restarted, and the client failed over.
      if (env.clock.now() - startNs > ATTEMPT_TIMEOUT_NS) failovers++;
      const expected = runOnModel(model, callerOf(id), command);
      // nlink of files may lag behind while GC empties removed trees in the background.
      const mismatch = compareOutcome(command, expected, actual, ids, { nlink: false });
      if (mismatch) problems.push(`client ${id} ${JSON.stringify(command)}: ${mismatch}`);
    };
    const expectOk = async <T>(what: string, call: Promise<T>): Promise<T | undefined> => {
      try {
        return await call;
      } catch (error) {
        problems.push(`client ${id} ${what}: ${(error as Error).message}`);
        return undefined;
      }
    };

    await expectOk('mkdir /shared', meta.mkdirs('/shared', { recursive: true }));
    await check({ op: 'mkdir', client: id, path: prefix, recursive: true });
    for (const path of ['/shared/base', ...Array.from({ length: RACE_ROUNDS }, (_, k) => `/shared/t${k}`)]) {
      const inode = await expectOk(`create ${path}`, meta.create(path));
      if (inode) addTo(races.setupIds, path, inode.id);
    }
    // Start the main phase together, so the races overlap.
    ready++;
    while (ready < CLIENTS) await env.clock.sleep(1 * MS);

    const script = fc.sample(fc.array(commandArb({ clients: [id], prefix, dotdot: false }), { minLength: OPS_PER_CLIENT, maxLength: OPS_PER_CLIENT }), { seed: seed * 7919 + id, numRuns: 1 })[0]!;
    for (const [n, command] of script.entries()) {
      await check(concretize(command, model.paths(prefix)));
      if (n % RACE_EVERY_OPS === 0) await race(meta, id, n / RACE_EVERY_OPS, races, problems);
      await env.clock.sleep(pacing.int(4) * MS);
    }
  };

  const cluster = new MetaSimCluster({ seed, metaServers: 3, clients: CLIENTS, client });
  cluster.startNemesis(6, 400 * MS, { dropProbability: 0.01, duplicateProbability: 0.02 });
  cluster.sim.start();
  await cluster.runToEnd(600 * S, 8 * S);

  if (!cluster.allDone) problems.push(`clients not done by the deadline: ${[...cluster.done].join(',')}`);
  problems.push(...cluster.sim.failures);
  const snap = await snapshotKv(cluster.kv.store('meta'));
  problems.push(...checkInvariants(snap, { gcDone: true }).map((v) => `invariant: ${v}`));
  for (const [id, model] of models.entries()) {
    model.gc();
    const expected = renderTree(modelView(model), REF_ROOT_ID).join('\n');
    const actual = renderTree(onlyRootEntry(kvNamespace(snap), `c${id}`), ROOT_INODE_ID).join('\n');
    if (expected !== actual) problems.push(`client ${id} subtree differs from its model:\nmodel:\n${expected}\nservice:\n${actual}`);
  }
  problems.push(...checkRaces(snap, races));

  const store = cluster.kv.store('meta');
  const fingerprint = createHash('sha256').update(JSON.stringify(snap.raw)).update(cluster.sim.kernel.fingerprint.hex()).digest('hex').slice(0, 16);
  return { problems, fingerprint, conflicts: store.stats.conflicts, crashes: cluster.crashes.length, commands, failovers, lost: cluster.sim.netFaults.droppedMessages, doubled: cluster.sim.netFaults.duplicatedMessages };
}

/** One round of the shared races, every client doing the same calls on the same names. */
async function race(meta: MetaClient, client: number, k: number, races: RaceLog, problems: string[]): Promise<void> {
  const code = async (call: Promise<unknown>): Promise<string> => {
    try {
      await call;
      return 'ok';
    } catch (error) {
      if (!isFlyerError(error)) throw error;
      return error.code;
    }
  };
  const exclusive = await code(meta.create(`/shared/x${k}`, { exclusive: true }));
  if (exclusive === 'ok') push(races.exclusiveWinners, k, client);
  else if (exclusive !== 'META_EXISTS') problems.push(`client ${client}: exclusive create x${k} gave ${exclusive}`);
  const link = await code(meta.hardLink('/shared/base', `/shared/l${k}-c${client}`));
  if (link !== 'ok') problems.push(`client ${client}: hard link l${k} gave ${link}`);
  const token = await code(meta.rename(`/shared/t${k}`, `/shared/won${k}-c${client}`));
  if (token === 'ok') push(races.tokenWinners, k, client);
  else if (token !== 'META_NOT_FOUND') problems.push(`client ${client}: rename t${k} gave ${token}`);
  try {
    addTo(races.sameFileIds, k, (await meta.create(`/shared/f${k}`)).id);
  } catch (error) {
    problems.push(`client ${client}: create f${k}: ${(error as Error).message}`);
  }
}

/** Each race has one right outcome, whichever client won it. */
function checkRaces(snap: MetaSnapshot, races: RaceLog): string[] {
  const bad: string[] = [];
  const sharedId = snap.children.get(ROOT_INODE_ID)?.find((e) => e.name === 'shared')?.inodeId;
  const shared = new Map((snap.children.get(sharedId ?? -1) ?? []).map((e) => [e.name, e.inodeId]));
  const one = <T>(set: Set<T> | undefined, what: string): T | undefined => {
    if (set?.size !== 1) bad.push(`${what}: ids ${[...(set ?? [])].join(',')} (expected one)`);
    return set ? [...set][0] : undefined;
  };
  const baseId = one(races.setupIds.get('/shared/base'), 'create /shared/base from every client');
  if (baseId === undefined || shared.get('base') !== baseId) bad.push(`/shared/base is ${shared.get('base')}, created as ${baseId}`);
  const base = snap.inodes.get(baseId ?? -1);
  if (base?.nlink !== 1 + RACE_ROUNDS * CLIENTS) bad.push(`/shared/base nlink ${base?.nlink}, expected ${1 + RACE_ROUNDS * CLIENTS}`);
  for (let k = 0; k < RACE_ROUNDS; k++) {
    for (let c = 0; c < CLIENTS; c++) if (shared.get(`l${k}-c${c}`) !== baseId) bad.push(`l${k}-c${c} is not a link to base`);
    if (races.exclusiveWinners.get(k)?.length !== 1) bad.push(`x${k}: exclusive create won by [${races.exclusiveWinners.get(k) ?? []}]`);
    if (!shared.has(`x${k}`)) bad.push(`x${k} missing`);
    const winners = races.tokenWinners.get(k) ?? [];
    const tokenId = one(races.setupIds.get(`/shared/t${k}`), `create /shared/t${k} from every client`);
    const won = [...shared.keys()].filter((name) => name.startsWith(`won${k}-`));
    if (winners.length !== 1 || shared.has(`t${k}`) || won.length !== 1 || won[0] !== `won${k}-c${winners[0]}` || shared.get(won[0]) !== tokenId) {
      bad.push(`token t${k}: renamed by [${winners}], entries ${won.join(',')}${shared.has(`t${k}`) ? ' and t' : ''}`);
    }
    const fileId = one(races.sameFileIds.get(k), `create f${k} from every client`);
    if (shared.get(`f${k}`) !== fileId) bad.push(`f${k} is ${shared.get(`f${k}`)}, created as ${fileId}`);
  }
  return bad;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  map.set(key, (map.get(key) ?? new Set<V>()).add(value));
}

function modelView(model: ReferenceFs): NamespaceView {
  return { view: (id) => model.viewOf(id), entries: (id) => model.entriesOf(id) };
}

/** The namespace with only one name left in the root: one client's subtree. */
function onlyRootEntry(ns: NamespaceView, name: string): NamespaceView {
  return { view: ns.view, entries: (id) => (id === ROOT_INODE_ID ? ns.entries(id)?.filter(([n]) => n === name) : ns.entries(id)) };
}

test(`${SEEDS} seeds: 3 clients on 3 crashing meta servers; every acknowledged result holds, races come out right`, async (t) => {
  let conflicts = 0;
  let crashes = 0;
  let commands = 0;
  let failovers = 0;
  let lost = 0;
  let doubled = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const outcome = await runSeed(seed);
    t.deepEqual(outcome.problems, [], `seed ${seed}`);
    conflicts += outcome.conflicts;
    crashes += outcome.crashes;
    commands += outcome.commands;
    failovers += outcome.failovers;
    lost += outcome.lost;
    doubled += outcome.doubled;
  }
  t.log(`${commands} checked commands (${failovers} retried after ${ATTEMPT_TIMEOUT_NS / S} s), ${crashes} meta crashes, ${lost} messages lost and ${doubled} doubled, ${conflicts} KV conflicts retried`);
  t.true(crashes >= SEEDS, 'meta servers did crash');
  t.true(failovers > 0, 'crashes and losses did hit requests in flight');
  t.true(conflicts > 0, 'clients did conflict in the KV');
});

test('the same seed replays to the same state', async (t) => {
  const fingerprints: string[] = [];
  for (const seed of [3, 17]) {
    const first = await runSeed(seed);
    const second = await runSeed(seed);
    t.is(second.fingerprint, first.fingerprint, `seed ${seed}`);
    fingerprints.push(first.fingerprint);
  }
  t.not(fingerprints[0], fingerprints[1], 'and another seed to another state');
});
