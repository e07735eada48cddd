/**
 * `npm run bench -- NAME [args]` runs bench/NAME.bench.ts. Each benchmark measures its own baseline in
 * the same run (a bare loop, fio, iperf3), prints a table and writes reports/bench/NAME.json with
 * ratios against that baseline: machines are noisy, ratios travel.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace('.bench.ts', '')).sort();
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [args]\navailable benchmarks: ${available.join(', ')}`);
  process.exit(2);
}
const module = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as { run(args: string[]): Promise<void> };
await module.run(args);
