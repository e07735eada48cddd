#!/usr/bin/env zx
// peak-read: see `zx workloads/peak-read.mjs --help` and the README's Workloads section.
import { runWorkload } from './lib/run-workload.mjs';

process.exitCode = await runWorkload('peak-read');
