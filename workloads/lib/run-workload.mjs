// Shared by the workload scripts: run one workload on (a) a local cluster this script starts and stops
// (the default), (b) a simulated cluster from a spec (--sim specs/NAME.toml), or (c) a cluster on the
// hosts of a hosts file (--hosts FILE), whose services are started over ssh (or `ip netns exec`).
import { $, argv, fs, os, path } from 'zx';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const FLYER = [process.execPath, path.join(ROOT, 'bin', 'flyer.mjs')];

const USAGE = (name) => `usage: zx workloads/${name}.mjs [--sim specs/NAME.toml | --hosts FILE] [--param key=value ...]
        [--clients N] [--seed N] [--out DIR] [--keep-cluster] [--cluster-dir DIR]

  (default)        start a local cluster (1 manager, 3 storage nodes, 1 meta server), run, stop it
  --sim SPEC       simulate the cluster described by SPEC instead
  --hosts FILE     start the cluster's services on the hosts listed in FILE (ssh, or netns: see README)
  --param k=v      override a workload parameter (repeatable)
  --clients N      client processes on a real cluster (default 2)
  --out DIR        report folder (default reports/${name}-<mode>-<time>)`;

export async function runWorkload(name) {
  if (argv.help || argv.h) {
    console.log(USAGE(name));
    return 0;
  }
  const params = [argv.param ?? []].flat().flatMap((p) => ['--param', String(p)]);
  const out = argv.out ? ['--out', String(argv.out)] : [];
  $.verbose = false;
  if (argv.sim) {
    return run([...FLYER, 'workload', 'run', name, '--sim', String(argv.sim), '--seed', String(argv.seed ?? 1), ...params, ...out]);
  }
  if (argv.sim !== undefined && argv.hosts !== undefined) throw new Error('give --sim or --hosts, not both');
  const clusterDir = argv['cluster-dir'] ? path.resolve(String(argv['cluster-dir'])) : await fs.mkdtemp(path.join(os.tmpdir(), `flyer-${name}-`));
  const upArgs = argv.hosts ? ['--hosts', String(argv.hosts)] : ['--local'];
  console.error(`starting the cluster in ${clusterDir} (${argv.hosts ? `hosts from ${argv.hosts}` : 'local processes'})`);
  const up = await run([...FLYER, 'cluster', 'up', ...upArgs, '--dir', clusterDir]);
  if (up !== 0) {
    await run([...FLYER, 'cluster', 'down', '--dir', clusterDir]);
    return up;
  }
  try {
    return await run([...FLYER, 'workload', 'run', name, '--cluster', clusterDir, '--clients', String(argv.clients ?? 2), ...params, ...out]);
  } finally {
    if (!argv['keep-cluster']) {
      await run([...FLYER, 'cluster', 'down', '--dir', clusterDir]);
      if (!argv['cluster-dir']) await fs.rm(clusterDir, { recursive: true, force: true });
    } else {
      console.error(`cluster left running: node bin/flyer.mjs cluster down --dir ${clusterDir}`);
    }
  }
}

/** Runs a command with the terminal attached (progress shows live); resolves to its exit code. */
async function run(command) {
  const [bin, ...args] = command;
  const result = await $({ stdio: 'inherit', nothrow: true, cwd: ROOT })`${bin} ${args}`;
  return result.exitCode ?? 1;
}
