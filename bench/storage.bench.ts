/**
 * `npm run bench -- storage [--quick] [--sim-only] [--real-only]` (issue #4): storage read throughput,
 * simulated and real, each against a baseline computed or measured in the same run. Writes
 * reports/bench/storage.json.
 *
 * 1. Simulated: 16 storage nodes (1 x 200 Gb/s port at 0.96, 16 SSDs of 2.8 GB/s each, 3 targets per
 *    SSD), 32 clients (1 x 200 Gb/s), chains of 3 from the chain-table generator, 4 MiB chunks of
 *    synthetic data written through the StorageClient, then closed-loop batch reads at queue depth 32
 *    per client. Baseline: the analytic bound of the spec with the placement's read spread
 *    (sim/perf/read-bound.ts). Target: simBoundRatio >= 0.95. Also wall seconds per simulated second.
 *    Sensitivity: queue depth 8/16/64, and an SSD-bound variant (4 SSDs per node).
 * 2. Real: 1 manager + 3 storage processes on the native chunk engine over loopback TCP
 *    (sim/perf/real-local-cluster.ts), one client in this process. Baseline: iperf3, one stream over
 *    loopback, measured in the same run. readRatio = the client's inline batch-read throughput (page
 *    cache) / iperf3, best of the rounds on each side (median reported too). Target >= 0.7. Also
 *    replicated write throughput with the engine's default O_DIRECT.
 *
 * The machine is small (2 cores) and shared, so real numbers are repeated: best and median are both
 * reported, with CPU time per MiB (less sensitive to other load than wall time).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iperf3Available, iperf3Loopback, type Iperf3Result } from '../sim/perf/iperf3.ts';
import { measureNodeTcpBound } from '../sim/perf/node-tcp-bound.ts';
import { DEFAULT_REAL_BENCH_OPTIONS, runRealStorageBench, type RealBenchResult, type ThroughputSample } from '../sim/perf/real-storage-bench.ts';
import { DEFAULT_STORAGE_BENCH_SPEC, MiB, MS, type StorageBenchSpec } from '../sim/perf/storage-bench-spec.ts';
import { runSimReadBench, type SimReadResult } from '../sim/perf/storage-read-sim.ts';
import { writeBenchReport } from './report.ts';

const SIM_TARGET = 0.95;
const READ_TARGET = 0.7;

const GB = (bytesPerSec: number): number => Number((bytesPerSec / 1e9).toFixed(2));
const r3 = (value: number): number => Number(value.toFixed(3));
const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function log(line: string): void {
  console.log(`[storage] ${line}`);
}

/** The simulated part: the main spec, then short sensitivity runs. */
async function simulated(quick: boolean): Promise<Record<string, unknown>> {
  const spec: StorageBenchSpec = quick ? { ...DEFAULT_STORAGE_BENCH_SPEC, warmupNs: 100 * MS, windowNs: 300 * MS } : DEFAULT_STORAGE_BENCH_SPEC;
  log(`simulating ${spec.storageNodes} storage nodes, ${spec.clients} clients, queue depth ${spec.queueDepth}, window ${spec.windowNs / MS} ms`);
  const main = await runSimReadBench(spec);
  log(`sim: ${GB(main.measuredBytesPerSec)} GB/s of ${GB(main.bound.bytesPerSec)} GB/s bound (${main.bound.bindingResource}) = ${r3(main.simBoundRatio)}; ${main.simWallPerVirtualSec.toFixed(1)} wall s per simulated s`);
  const sensitivity: Array<Record<string, unknown>> = [];
  if (!quick) {
    const short = { warmupNs: 100 * MS, windowNs: 300 * MS };
    const variants: Array<{ name: string; spec: StorageBenchSpec }> = [
      ...[8, 16, 64].map((queueDepth) => ({ name: `queue depth ${queueDepth}`, spec: { ...spec, ...short, queueDepth } })),
      { name: 'SSD-bound: 4 SSDs per node, queue depth 32', spec: { ...spec, ...short, ssdsPerNode: 4, targetsPerSsd: 12 } },
    ];
    for (const variant of variants) {
      const result = await runSimReadBench(variant.spec);
      log(`sim ${variant.name}: ${GB(result.measuredBytesPerSec)} GB/s of ${GB(result.bound.bytesPerSec)} (${result.bound.bindingResource}) = ${r3(result.simBoundRatio)}`);
      sensitivity.push({
        variant: variant.name,
        boundGBps: GB(result.bound.bytesPerSec),
        binds: result.bound.bindingResource,
        measuredGBps: GB(result.measuredBytesPerSec),
        simBoundRatio: r3(result.simBoundRatio),
        latencyMs: result.reads.latencyMs,
        utilisation: result.utilisation,
        windowMs: variant.spec.windowNs / MS,
      });
    }
  }
  return simReport(main, sensitivity);
}

function simReport(main: SimReadResult, sensitivity: Array<Record<string, unknown>>): Record<string, unknown> {
  const { spec, bound } = main;
  return {
    spec: {
      storageNodes: spec.storageNodes,
      clients: spec.clients,
      storagePort: spec.storagePort,
      clientPort: spec.clientPort,
      ssdsPerNode: spec.ssdsPerNode,
      ssd: spec.ssd,
      targetsPerSsd: spec.targetsPerSsd,
      chains: spec.storageNodes * spec.ssdsPerNode * spec.targetsPerSsd / spec.replication,
      replication: spec.replication,
      chunkSizeBytes: spec.chunkSizeBytes,
      chunks: main.setup.chunks,
      payloads: 'synthetic',
      queueDepthPerClient: spec.queueDepth,
      readPath: 'one-io batch read into a registered client region (storage pushes with bulkWrite: the RDMA WRITE path)',
      replicaChoice: 'uniform among SERVING replicas',
      segmentBytes: spec.segmentBytes,
      hopLatencyNs: spec.hopLatencyNs,
      warmupMs: spec.warmupNs / MS,
      windowMs: spec.windowNs / MS,
      seed: spec.seed,
    },
    baseline: {
      what: 'analytic upper bound: min over resources of capacity / share of read bytes, shares from the placement (sim/perf/read-bound.ts)',
      boundGBps: GB(bound.bytesPerSec),
      binds: bound.bindingResource,
      networkBoundGBps: GB(bound.network.bytesPerSec),
      driveBoundGBps: GB(bound.drives.bytesPerSec),
      aggregateGBps: {
        storageEgress: GB(bound.aggregate.storageEgressBytesPerSec),
        clientIngress: GB(bound.aggregate.clientIngressBytesPerSec),
        driveRead: GB(bound.aggregate.driveReadBytesPerSec),
      },
      readShare: { storageNodeMin: Number(bound.storageShare.min.toFixed(5)), storageNodeMax: Number(bound.storageShare.max.toFixed(5)), driveMin: bound.drives.shareMin, driveMax: bound.drives.shareMax },
    },
    measuredGBps: GB(main.measuredBytesPerSec),
    simBoundRatio: r3(main.simBoundRatio),
    target: SIM_TARGET,
    meetsTarget: main.simBoundRatio >= SIM_TARGET,
    simWallPerVirtualSec: Number(main.simWallPerVirtualSec.toFixed(2)),
    reads: main.reads,
    utilisation: main.utilisation,
    events: main.events,
    setup: main.setup,
    failures: main.failures,
    sensitivity,
    notes: [
      `Storage egress binds: ${spec.storageNodes} x ${GB(bound.aggregate.storageEgressBytesPerSec / spec.storageNodes)} GB/s = ${GB(bound.aggregate.storageEgressBytesPerSec)} GB/s, against ${GB(bound.aggregate.driveReadBytesPerSec)} GB/s of SSD reads and ${GB(bound.aggregate.clientIngressBytesPerSec)} GB/s of client ingress; the chain table spreads reads exactly evenly (every node and SSD takes the same share), so the bound is the aggregate egress.`,
      'The gap to the bound is storage egress idle time: each client picks a chunk and a replica at random, so at any moment some storage nodes have no push queued (a closed network of 32 x queue-depth customers over 16 servers); the sensitivity runs show the ratio rising with queue depth. Frames and replies add about 150 B per 4 MiB, negligible.',
      'Each read takes its SSD ~1.6 ms (90 us + 4 MiB at 2.8 GB/s) before its push, and pushes share the storage port round-robin per client, so mean latency is set by Little\'s law: outstanding reads / throughput.',
      'CPU is not modelled on this path: the storage service and client charge no CPU time in simulation.',
      'Reads use the region (push) path, not StorageClient.read: in simulation an inline reply\'s synthetic payload is not charged to the network (SimRpc sizes replies by their encoded bytes, not the codec\'s wireSizeBytes); 40 MiB read inline moved 1,140 bytes through the network model. Fix: sim/sim-rpc.ts #handle should return the EncodedMessage and #reply should charge its wireSizeBytes.',
      'Each SSD is its own SsdModel (sim/perf/per-ssd-store.ts): a simulated node has only one SSD model, so the benchmark charges chunk data I/O to per-(node, drive) models and leaves the WAL on the node\'s own.',
    ],
  };
}

function sampleSummary(samples: readonly ThroughputSample[]): Record<string, unknown> {
  const mbps = samples.map((s) => s.MBps);
  return {
    bestMBps: Math.max(...mbps),
    medianMBps: median(mbps),
    runs: samples,
  };
}

/** The real part: iperf3 around two local clusters (O_DIRECT for writes and disk reads, page cache for reads). */
async function real(quick: boolean): Promise<Record<string, unknown>> {
  if (!iperf3Available()) {
    return { skipped: 'iperf3 not found: apt-get install -y iperf3' };
  }
  const iperf: Iperf3Result[] = [];
  const measureIperf = async (): Promise<void> => {
    const result = await iperf3Loopback(3);
    iperf.push(result);
    log(`iperf3 loopback: ${result.MBps} MB/s`);
  };
  const root = mkdtempSync(join(tmpdir(), 'flyer-storage-bench-'));
  let direct: RealBenchResult;
  let cached: RealBenchResult;
  let nodeTcp: ThroughputSample[];
  try {
    await measureIperf();
    // Engine defaults (O_DIRECT, data synced before commit): replicated writes, then one pass of reads from disk.
    direct = await runRealStorageBench({
      ...DEFAULT_REAL_BENCH_OPTIONS, dataDir: join(root, 'direct'), chunks: quick ? 64 : 128, readPasses: 1, readRounds: 1, regionReads: false,
    }, (line) => log(`O_DIRECT: ${line}`));
    await measureIperf();
    // Buffered I/O: re-reads come from the page cache, so the reads measure the RPC path.
    // Rounds of 12 passes (3 GiB, about as long as one iperf3 run), so each sample is a steady state
    // rather than a quarter second dominated by JIT warm-up; several rounds, as the machine is shared.
    cached = await runRealStorageBench({
      ...DEFAULT_REAL_BENCH_OPTIONS, dataDir: join(root, 'cached'), chunks: 64, readPasses: quick ? 2 : 12, readRounds: quick ? 1 : 4, engine: { directIo: false },
    }, (line) => log(`page cache: ${line}`));
    // The same transfer shape with nothing but Node and the kernel: what this read path could reach here.
    nodeTcp = await measureNodeTcpBound({ servers: 3, messageBytes: 4 * MiB, depth: 8, roundBytes: 512 * MiB, rounds: quick ? 1 : 3 });
    log(`bare Node TCP bound: ${nodeTcp.map((s) => s.MBps).join(', ')} MB/s`);
    if (!quick) await measureIperf();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const iperfBest = Math.max(...iperf.map((r) => r.MBps));
  const iperfMedian = median(iperf.map((r) => r.MBps));
  const inlineBest = Math.max(...cached.readInline.map((s) => s.MBps));
  const inlineMedian = median(cached.readInline.map((s) => s.MBps));
  const regionBest = cached.readRegion.length > 0 ? Math.max(...cached.readRegion.map((s) => s.MBps)) : undefined;
  const nodeTcpBest = Math.max(...nodeTcp.map((s) => s.MBps));
  return {
    cluster: '1 mgmtd + 3 storage services, each an OS process started by the bench (sim/perf/real-local-cluster.ts: RealEnv, NativeChunkStore, DurableKv over loopback TCP; `flyer cluster up --local` did not exist yet), 4 targets per node, chains of 3, one client in the bench process',
    baseline: {
      what: 'iperf3 -c 127.0.0.1 -t 3 -J, one TCP stream over loopback, run before, between and after the clusters',
      bestMBps: iperfBest,
      medianMBps: iperfMedian,
      runs: iperf,
    },
    readRatio: r3(inlineBest / iperfBest),
    readRatioMedian: r3(inlineMedian / iperfMedian),
    target: READ_TARGET,
    meetsTarget: inlineBest / iperfBest >= READ_TARGET,
    nodeTcpBound: {
      what: 'upper bound for a Node read path on this machine, measured in the same run (sim/perf/node-tcp-bound.ts): 3 Node server processes answer 4-byte requests with 4 MiB from one reused buffer, one client in the bench process keeps 8 outstanding and reads each reply from the socket into a reused buffer (onread); no checksums, codec, storage or page cache. In its runs, cpuMsPerMiB.storage is the three servers',
      bestMBps: nodeTcpBest,
      medianMBps: median(nodeTcp.map((s) => s.MBps)),
      runs: nodeTcp,
      ratioToIperf3: r3(nodeTcpBest / iperfBest),
      readToBound: r3(inlineBest / nodeTcpBest),
    },
    read: {
      what: 'StorageClient.read of whole 4 MiB chunks (one-io batch reads, replica at random, data inline in the reply, received into one reused 4 MiB buffer per outstanding read: ChunkRead.into, like USRBIO\'s iov), 8 outstanding, from the page cache (engine directIo false), 256 MiB of real bytes read twice per round',
      inline: sampleSummary(cached.readInline),
      region: cached.readRegion.length > 0 ? { what: 'the same reads pushed into a registered client region (bulkWrite), 3FS\'s RDMA WRITE path', ...sampleSummary(cached.readRegion), ratioBest: r3(regionBest! / iperfBest) } : undefined,
      fromDiskODirect: { what: 'one pass over 512 MiB with the engine default O_DIRECT (disk-bound: the engine benchmark measures ~1.3 GB/s for 4 MiB reads here)', ...direct.readInline[0] },
    },
    writeMBps: direct.write.MBps,
    write: {
      what: 'StorageClient.write of whole 4 MiB chunks of real bytes, 8 outstanding, each down its chain of 3 (head, middle, tail), engine defaults (O_DIRECT, data synced before the version is logged); MB/s of client data',
      oDirect: direct.write,
      bufferedIo: { ...cached.write, note: '256 MiB with directIo false: the engine\'s I/O threads spend most of their time in the kernel copying into the page cache (perf: copy_folio_from_iter_atomic ~44% of the machine), so buffered writes are slower than O_DIRECT here' },
    },
    verified: direct.verified && cached.verified,
    notes: REAL_NOTES,
  };
}

/**
 * What profiling found while this benchmark was written and then tuned (2026-11-25 and later, this
 * 2-core machine, other jobs running): development-time measurements, not repeated by each run.
 */
const REAL_NOTES = {
  whatBinds: 'CPU: 2 cores for 4 busy processes (client, 3 storage nodes) against iperf3\'s one sending thread (~1.4 cores). On 2026-12-04 after mapped reads and direct reads on the server side, scratch/read-exp.ts measured ~0.45-0.5 ms of storage CPU and ~0.28-0.33 ms of client CPU per MiB read (was 0.55-0.63 and 0.3-0.36), and full runs gave readRatio 0.78-0.84 (2,470-2,592 MB/s against iperf3 3,082-3,168 MB/s). Earlier in the project, with other jobs holding a core, runs landed at 0.4-0.6. Reads from O_DIRECT disk are disk-bound (~1.2-1.6 GB/s here).',
  cpuBreakdownPercentOfBenchProcesses: {
    at: 'inline reads from the page cache, 750-1,170 MB/s under load 9, after all fixes below: perf record -g of the client, mgmtd and storage processes over 4 s of rounds 1-3, samples by stack',
    client: { total: 35.7, tcpReceiveCopyAndStack: 14.7, jsAndNode: 7.3, jitCompile: 4.3, frameCrc: 4.2, gc: 2.1, kernelOther: 1.2, other: 1.9 },
    storage3Processes: { total: 59.8, tcpSendCopyAndStack: 16.4, jsAndNode: 15.4, pageCacheReadCopy: 10.0, kernelOther: 5.4, engineVerifyCrc: 4.1, jitCompile: 2.7, gc: 2.4, other: 3.7 },
    mgmtd: 4.6,
    reading: 'TCP copies and stack (32%) are what iperf3 pays too; the page-cache copy (10%) and the checksums (8%: the engine verifying each chunk, the client checking each frame) are the price of storage and integrity; JS/Node per RPC (~25%) and JIT warm-up are what is left to win, e.g. by batching several chunks per RPC (2-4 ios per batch measured only 0-10% less CPU per MiB, within noise). Since then (2026-12-04): the page-cache copy is gone (mapped reads, zero copy from the engine\'s group mappings) and rounds run 1.5 s each (12 passes) instead of 0.25 s, past JIT warm-up.',
  },
  fixesMade: [
    'system/real/rpc/frame-crc.ts (new), frame.ts, frame-decoder.ts: frame CRC32C through the native engine\'s three-lane SSE4.2 routine for buffers >= 16 KiB when the library is built (25 GB/s against 6 GB/s for @node-rs/crc32; same values; falls back when it is not built).',
    'system/real/rpc/frame-decoder.ts, peer-connection.ts: direct reads. Client connections use net\'s onread: a frame body >= 256 KiB is read by the kernel straight into its own buffer (no 64 KiB buffer per socket read, no gathering copy), and its CRC is computed read by read while the bytes are in cache. Everything else goes through a reused 64 KiB scratch buffer copied out per read. (Accepted sockets get no onread from Node 20\'s accept; since 2026-12-04 tcp-server.ts wraps accepted handles in a Socket with onread itself, so chunk writes land in place on storage nodes too.)',
    'system/native/chunk-engine (io/mapped.rs, fce_read_mapped), system/real/chunk-engine/native-chunk-store.ts: mapped reads for buffered engines. The engine maps its class files per group; a read pins the slot, faults the pages in and verifies the CRC on the I/O pool, and hands Node a slice of a long-lived ArrayBuffer over the mapping (no page-cache copy); the reply\'s afterReply unpins.',
    'system/env/codec.ts, system/real/rpc/tcp-server.ts, wire.ts, peer-connection.ts: out-of-band payloads. encodeMessage(message, { outOfBand: true }) puts real payloads >= 64 KiB in the frame\'s raw tail as references instead of copying them into the MessagePack; decodeMessage(bytes, tail) returns views of the tail. Replies use it, so an inline chunk read is neither copied into the encoder (was a 4 MiB copy into a fresh 16 MiB msgpackr buffer) nor out of it. Simulation does not pass the option, so sim encodings are unchanged.',
    'Checksums reused (system/env/crc32c-combine.ts new, payload.ts, chunk-engine/native-chunk-store.ts, services/storage/batch-reader.ts, codec.ts, rpc/frame.ts, tcp-server.ts): a whole-chunk read\'s RealPayload carries knownCrc32c, the CRC32C the engine has just verified the bytes against; the batch reader reports it instead of checksumming 4 MiB again (@node-rs/crc32), and the reply frame\'s CRC joins it in with crc32cCombine (GF(2) shift, ~0.5 us) instead of a pass over the tail. A wrong value fails the receiver\'s frame check, so nothing passes silently.',
    'Pooled read buffers on the storage node (chunk-engine/read-pool.ts new, native-chunk-store.ts; env ChunkReadResult.release and RequestContext.afterReply; rpc/wire.ts FrameWriter.write(frame, onWritten), tcp-server.ts, real-rpc.ts; sim/sim-rpc.ts): large reads land in a reused 4 KiB-aligned buffer; the batch reader hands its release to afterReply, which the TCP server runs once the reply frame has been written to the socket (the last part\'s write callback), or at once after an error reply; region pushes release after the push landed. Simulation runs afterReply callbacks right after encoding the reply. A release that never comes only costs a collection.',
    'Client receive buffers (env CallOptions.receiveInto, StorageClient ChunkRead.into, rpc/frame-decoder.ts landing, peer-connection.ts, codec.ts decodeMessage(bytes, raw, landing); sim-rpc.ts): the raw tail of a large reply is read from the socket straight into the caller\'s buffer (the head goes aside), and the codec places real payloads in it (copying only what did not arrive there); the bench reuses one 4 MiB buffer per outstanding read, as USRBIO\'s iov. A call that gives up (timeout, abort) while its reply is landing closes the connection: the socket\'s next read is already aimed at the caller\'s buffer.',
    'Bench: five page-cache rounds (the first warms up the JIT; best and median are reported), and the bare Node TCP bound of the same shape measured in the same run (nodeTcpBound).',
  ],
  abBeforeAfter: {
    method: 'interleaved runs of the same 3-node page-cache cluster (64 chunks, depth 8)',
    firstRound: {
      inlineReadMBps: { before: [393, 415, 428, 441], after: [752, 760, 828, 829] },
      inlineReadCpuMsPerMiB: { before: { client: '1.8-2.1', storage: '2.2-2.7' }, after: { client: '0.75-0.95', storage: '1.5-1.7' } },
      regionReadMBps: { before: [438, 472, 497, 584], after: [478, 532, 560, 633] },
      rpcOnlyInline4MiBReplies: { beforeMBps: 800, afterMBps: '1440-1530', cpuMsPer4MiB: { before: { client: '4.6-4.9', server: '3.9-4.0' }, after: { client: '3.0-3.2', server: '1.3-1.4' } } },
    },
    secondRound: {
      method: 'each new fix switched off on its own, against all on and against 707bb44 (before it), two interleaved passes of 3 rounds, load 3-12; best round MB/s of each pass, and CPU ms per MiB over rounds 2-3 (round 1 warms up)',
      allOn: { MBps: [1207, 1195], cpuMsPerMiB: { client: '0.31-0.36', storage: '0.57-0.64' } },
      withoutChecksumReuse: { MBps: [1207, 1141], cpuMsPerMiB: { client: '0.32-0.40', storage: '0.82-0.88' } },
      withoutPooledServerBuffers: { MBps: [661, 593], cpuMsPerMiB: { client: '0.34-0.37', storage: '1.17-1.27' } },
      withoutClientReceiveBuffers: { MBps: [636, 1162], cpuMsPerMiB: { client: '0.66-0.85', storage: '0.57-0.78' } },
      before: { MBps: [688, 713], cpuMsPerMiB: { client: '0.62-0.84', storage: '1.43-1.72' } },
    },
  },
  remaining: [
    'JS and Node per RPC (~25% of the CPU): StorageClient, RealRpc, the frame writer and decoder, msgpackr and the batch reader cost roughly 0.5-1 ms per 4 MiB read across client and server, much of it still in baseline (Sparkplug) code in rounds this short. Batching several chunks per RPC (3FS groups a client\'s ios per storage node) would divide it; a StorageClient batch read and a receive buffer per io (iovec) are the missing pieces.',
    'The page-cache copy (10%): the engine copies each chunk out of the page cache with io_uring into the pooled buffer, and the socket copies it again. A read-only mapping of the data files (pinned slots, views handed to the socket) would save one copy; O_DIRECT reads (the engine default) need no CPU copy but are disk-bound here.',
    'Background work in the bench cluster: the simulation-tuned intervals (heartbeats, fencing, resync scans, mgmtd checks every 100 ms) cost ~13% of one core with the cluster idle (mgmtd 3.6%, each storage process ~1.6%, the client 2.9%).',
    'The region (push) path is slower than inline here: the client receives bulkWrite frames on an accepted socket (no direct reads, no receive buffer) and each read costs a second RPC.',
    'Buffered-I/O writes cost ~20 ms of storage CPU per MiB (the engine\'s I/O threads in copy_folio_from_iter_atomic, ~44% of the machine); O_DIRECT writes (the engine default, used for writeMBps) are far cheaper.',
  ],
};

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const simOnly = args.includes('--sim-only');
  const realOnly = args.includes('--real-only');
  const startedAt = performance.now();
  const sim = realOnly ? undefined : await simulated(quick);
  const realPart = simOnly ? undefined : await real(quick);
  const results = {
    issue: 4,
    mode: quick ? 'quick' : 'full',
    simulated: sim,
    real: realPart,
    ratios: {
      simBoundRatio: sim?.simBoundRatio,
      simWallPerVirtualSec: sim?.simWallPerVirtualSec,
      readRatio: realPart?.readRatio,
      nodeTcpBoundRatioToIperf3: (realPart?.nodeTcpBound as { ratioToIperf3?: number } | undefined)?.ratioToIperf3,
      writeMBps: realPart?.writeMBps,
    },
    targets: { simBoundRatio: SIM_TARGET, readRatio: READ_TARGET },
    wallSeconds: Number(((performance.now() - startedAt) / 1000).toFixed(1)),
  };
  console.table({
    simulated: sim && { value: sim.simBoundRatio, target: SIM_TARGET, detail: `${sim.measuredGBps} of ${(sim.baseline as { boundGBps: number }).boundGBps} GB/s, ${sim.simWallPerVirtualSec} wall s / sim s` },
    realRead: realPart && { value: realPart.readRatio, target: READ_TARGET, detail: `inline best ${(realPart.read as { inline: { bestMBps: number } } | undefined)?.inline.bestMBps} MB/s vs iperf3 best ${(realPart.baseline as { bestMBps: number } | undefined)?.bestMBps} MB/s` },
    realNodeTcpBound: realPart && { value: (realPart.nodeTcpBound as { ratioToIperf3: number }).ratioToIperf3, target: '-', detail: `bare Node TCP, same shape: best ${(realPart.nodeTcpBound as { bestMBps: number }).bestMBps} MB/s (ratio to iperf3)` },
    realWrite: realPart && { value: realPart.writeMBps, target: '-', detail: 'MB/s replicated x3, O_DIRECT' },
  });
  const path = writeBenchReport('storage', results);
  console.log(`simBoundRatio ${String(sim?.simBoundRatio)} (target ${SIM_TARGET}), readRatio ${String(realPart?.readRatio)} (target ${READ_TARGET}), writeMBps ${String(realPart?.writeMBps)} -> ${path}`);
}

