#!/usr/bin/env zx
// kvcache: see `zx workloads/kvcache.mjs --help` and the README's Workloads section.
import { runWorkload } from './lib/run-workload.mjs';

process.exitCode = await runWorkload('kvcache');
