import type { Command } from 'commander';
import { createRealEnv } from '../real/real-env.ts';
import { CounterService } from '../services/toy/counter-service.ts';
import { parseAddress, parsePeers } from './address.ts';

interface ToyServeFlags {
  node: string;
  listen: string;
  peers: string;
  dataDir: string;
  leader: string;
  followers: string;
  metricsPort?: string;
}

/**
 * `flyer toy serve`: one replica of the toy replicated counter as an OS process, the same service code
 * the simulator runs. Prints one JSON line `{"ready":true,...}` on stdout once it serves.
 */
export function registerToyCommands(program: Command): void {
  const toy = program.command('toy').description('the toy replicated counter that proves one code base runs in sim and for real');
  toy.command('serve')
    .description('run one counter replica')
    .requiredOption('--node <id>', 'this node\'s id')
    .requiredOption('--listen <host:port>', 'RPC listen address')
    .requiredOption('--peers <list>', 'address book: id=host:port,...')
    .requiredOption('--data-dir <dir>', 'where the replica keeps its state')
    .requiredOption('--leader <id>', 'the leader\'s node id')
    .requiredOption('--followers <ids>', 'the followers\' node ids, comma-separated')
    .option('--metrics-port <port>', 'serve Prometheus metrics on this port')
    .action(async (flags: ToyServeFlags) => {
      const env = createRealEnv({
        nodeId: flags.node,
        listen: parseAddress(flags.listen),
        peers: parsePeers(flags.peers),
        dataDir: flags.dataDir,
        ...(flags.metricsPort ? { metricsPort: Number(flags.metricsPort) } : {}),
      });
      const addresses = await env.start();
      await CounterService.start(env, { leader: flags.leader, followers: flags.followers.split(',').filter(Boolean) });
      console.log(JSON.stringify({ ready: true, node: flags.node, port: addresses.rpc.port }));
      const stop = (): void => {
        void env.close().finally(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
