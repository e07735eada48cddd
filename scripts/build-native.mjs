#!/usr/bin/env node
/**
 * Builds the native crates (std-only Rust, `cargo build --release --offline`): the chunk engine
 * (system/native/chunk-engine → target/release/libflyer_chunk_engine.so for koffi) and the GraySort
 * tools (system/native/sort-tools → flyer-gensort, flyer-valsort, flyer-sort binaries and
 * libflyer_sort_tools.so, their in-memory C ABI for koffi).
 * Exits non-zero with a clear message when cargo is missing or a build fails. Meant for
 * `postinstall` and CI; `--if-cargo` turns a missing cargo into a warning (exit 0) so `npm install`
 * still works on machines that only run the simulator.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const crates = [
  { dir: join(root, 'system', 'native', 'chunk-engine'), outputs: ['libflyer_chunk_engine.so'] },
  { dir: join(root, 'system', 'native', 'sort-tools'), outputs: ['flyer-gensort', 'flyer-valsort', 'flyer-sort', 'libflyer_sort_tools.so'] },
];
const optional = process.argv.includes('--if-cargo');

const probe = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  const message = 'build-native: cargo not found. Install Rust (https://rustup.rs) to build the native chunk engine and sort tools; ' +
    'real-mode storage and the GraySort tools need them, the simulator does not.';
  if (optional) {
    console.warn(`${message} Skipping.`);
    process.exit(0);
  }
  console.error(message);
  process.exit(1);
}

for (const crate of crates) {
  console.log(`build-native: ${probe.stdout.trim()}, building ${crate.dir}`);
  const build = spawnSync('cargo', ['build', '--release', '--offline'], { cwd: crate.dir, stdio: 'inherit' });
  const outputs = crate.outputs.map((name) => join(crate.dir, 'target', 'release', name));
  const missing = outputs.filter((path) => !existsSync(path));
  if (build.status !== 0 || missing.length > 0) {
    console.error(`build-native: cargo build in ${crate.dir} failed (exit ${build.status ?? build.signal}${missing.length ? `; missing ${missing.join(', ')}` : ''}); see the output above.`);
    process.exit(1);
  }
  console.log(`build-native: ok, ${outputs.join(', ')}`);
}
