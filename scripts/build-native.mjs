#!/usr/bin/env node
/**
 * Builds the native chunk engine (system/native/chunk-engine, a std-only Rust crate) with
 * `cargo build --release --offline`, producing target/release/libflyer_chunk_engine.so for koffi.
 * Exits non-zero with a clear message when cargo is missing or the build fails. Meant for
 * `postinstall` and CI; `--if-cargo` turns a missing cargo into a warning (exit 0) so `npm install`
 * still works on machines that only run the simulator.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const crate = join(root, 'system', 'native', 'chunk-engine');
const library = join(crate, 'target', 'release', 'libflyer_chunk_engine.so');
const optional = process.argv.includes('--if-cargo');

const probe = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  const message = 'build-native: cargo not found. Install Rust (https://rustup.rs) to build the native chunk engine; ' +
    'real-mode storage needs it, the simulator does not.';
  if (optional) {
    console.warn(`${message} Skipping.`);
    process.exit(0);
  }
  console.error(message);
  process.exit(1);
}

console.log(`build-native: ${probe.stdout.trim()}, building ${crate}`);
const build = spawnSync('cargo', ['build', '--release', '--offline'], { cwd: crate, stdio: 'inherit' });
if (build.status !== 0 || !existsSync(library)) {
  console.error(`build-native: cargo build failed (exit ${build.status ?? build.signal}); see the output above.`);
  process.exit(1);
}
console.log(`build-native: ok, ${library}`);
