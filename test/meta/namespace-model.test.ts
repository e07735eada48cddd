import test from 'ava';
import fc from 'fast-check';
import { ROOT_INODE_ID } from '../../system/services/meta/types.ts';
import { commandArb, compareOutcome, concretize, populateArb, IdMap, runOnModel, runOnService, type Command, type NamespaceApi, type Outcome } from './commands.ts';
import { callerOf, directApi, newMetaWorld, runGcToEnd, type MetaWorld } from './harness.ts';
import { checkInvariants, kvNamespace, renderTree, snapshotKv } from './kv-state.ts';
import { REF_ROOT_ID, ReferenceFs } from './reference-fs.ts';

// Goal: random sequences of namespace operations from three clients, each on its own stateless meta
// server over one shared KV, give the results of a simple reference file system (reference-fs.ts).
// Some steps run two or three operations at once; they conflict in the KV and retry, and their results
// and the tree they leave must be those of SOME serial order of them. After every sequence the KV holds
// the metadata invariants, and once GC has run nothing of a removed file is left.

const CLIENTS = [0, 1, 2] as const;
const RUNS = 300;

type Step = { readonly kind: 'ops'; readonly commands: readonly Command[] } | { readonly kind: 'gc' };

const serialStep = commandArb({ clients: [...CLIENTS] }).map((c): Step => ({ kind: 'ops', commands: [c] }));
const concurrentStep = fc
  .tuple(commandArb({ clients: [0] }), commandArb({ clients: [1] }), fc.option(commandArb({ clients: [2] }), { nil: undefined }))
  .map(([a, b, c]): Step => ({ kind: 'ops', commands: c ? [a, b, c] : [a, b] }));
const prelude = fc.array(populateArb({ clients: [...CLIENTS] }).map((c): Step => ({ kind: 'ops', commands: [c] })), { minLength: 2, maxLength: 8 });
const stepsArb = fc
  .tuple(prelude, fc.array(
    fc.oneof({ weight: 12, arbitrary: serialStep }, { weight: 4, arbitrary: concurrentStep }, { weight: 1, arbitrary: fc.constant<Step>({ kind: 'gc' }) }),
    { minLength: 1, maxLength: 40, size: 'medium' },
  ))
  .map(([first, rest]) => [...first, ...rest]);

interface Run {
  readonly world: MetaWorld;
  readonly apis: readonly NamespaceApi[];
  model: ReferenceFs;
  ids: IdMap;
}

const stats = { conflicts: 0, concurrentSteps: 0, reorderedSteps: 0, commands: 0, failedCommands: 0 };

function modelTree(model: ReferenceFs): string[] {
  return renderTree({ view: (id) => model.viewOf(id), entries: (id) => model.entriesOf(id) }, REF_ROOT_ID);
}

async function serviceTree(run: Run): Promise<string[]> {
  return renderTree(kvNamespace(await snapshotKv(run.world.kv)), ROOT_INODE_ID);
}

function treeDiff(expected: readonly string[], actual: readonly string[]): string | undefined {
  if (expected.join('\n') === actual.join('\n')) return undefined;
  return `model tree:\n  ${expected.join('\n  ')}\nservice tree:\n  ${actual.join('\n  ')}`;
}

async function runSerial(run: Run, command: Command): Promise<void> {
  const actual = await runOnService(run.apis[command.client]!, command);
  const expected = runOnModel(run.model, callerOf(command.client), command);
  count(actual);
  const mismatch = compareOutcome(command, expected, actual, run.ids, { nlink: true });
  if (mismatch) throw new Error(`${JSON.stringify(command)}: ${mismatch}`);
}

/** Runs the commands at once; some serial order of them must explain every result and the tree left. */
async function runConcurrent(run: Run, commands: readonly Command[]): Promise<void> {
  stats.concurrentSteps++;
  const outcomes = await Promise.all(commands.map((c) => runOnService(run.apis[c.client]!, c)));
  outcomes.forEach(count);
  const tree = await serviceTree(run);
  const tried: string[] = [];
  for (const order of permutations(commands.length)) {
    const model = run.model.clone();
    const ids = run.ids.clone();
    const mismatch = order.map((i) => compareOutcome(commands[i]!, runOnModel(model, callerOf(commands[i]!.client), commands[i]!), outcomes[i]!, ids, { nlink: true })).find(Boolean)
      ?? treeDiff(modelTree(model), tree);
    if (mismatch === undefined) {
      if (order.some((i, at) => i !== at)) stats.reorderedSteps++;
      run.model = model;
      run.ids = ids;
      return;
    }
    tried.push(`order ${order.join(',')}: ${mismatch}`);
  }
  throw new Error(`no serial order explains ${JSON.stringify(commands)} -> ${JSON.stringify(outcomes)}:\n${tried.join('\n')}`);
}

function count(outcome: Outcome): void {
  stats.commands++;
  if (!outcome.ok) stats.failedCommands++;
}

async function checkState(run: Run, gcDone: boolean, when: string): Promise<void> {
  const violations = checkInvariants(await snapshotKv(run.world.kv), { gcDone });
  if (violations.length > 0) throw new Error(`${when}: invariants violated:\n${violations.join('\n')}`);
  const diff = treeDiff(modelTree(run.model), await serviceTree(run));
  if (diff) throw new Error(`${when}: trees differ\n${diff}`);
}

async function collect(run: Run): Promise<void> {
  await runGcToEnd(run.world.servers[0]!);
  run.model.gc();
}

test(`${RUNS} random namespace histories from 3 clients on 3 meta servers match the reference file system`, async (t) => {
  await fc.assert(
    fc.asyncProperty(stepsArb, async (steps) => {
      const world = await newMetaWorld(CLIENTS.length);
      const run: Run = { world, apis: CLIENTS.map((c) => directApi(world.servers[c]!, callerOf(c))), model: new ReferenceFs(), ids: new IdMap() };
      try {
        for (const [index, step] of steps.entries()) {
          try {
            if (step.kind === 'gc') {
              await collect(run);
              await checkState(run, true, 'after gc');
            } else {
              const existing = run.model.paths();
              const commands = step.commands.map((c) => concretize(c, existing));
              if (commands.length === 1) await runSerial(run, commands[0]!);
              else await runConcurrent(run, commands);
            }
          } catch (error) {
            throw new Error(`step ${index}: ${(error as Error).message}`);
          }
        }
        await checkState(run, false, 'end of history');
        await collect(run);
        await checkState(run, true, 'end of history, after gc');
      } finally {
        stats.conflicts += world.kv.stats.conflicts;
      }
    }),
    { numRuns: RUNS },
  );
  t.log(`commands ${stats.commands} (${stats.failedCommands} with an error code), concurrent steps ${stats.concurrentSteps} (${stats.reorderedSteps} explained only by reordering), KV conflicts retried ${stats.conflicts}`);
  t.true(stats.conflicts > 0, 'concurrent steps did conflict in the KV');
  t.true(stats.failedCommands > 0 && stats.failedCommands < stats.commands, 'both successes and coded errors were exercised');
});

function permutations(n: number): number[][] {
  if (n <= 1) return [[0].slice(0, n)];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let at = 0; at <= rest.length; at++) out.push([...rest.slice(0, at), n - 1, ...rest.slice(at)]);
  }
  return out.sort((a, b) => a.join().localeCompare(b.join()));
}
