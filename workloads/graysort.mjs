#!/usr/bin/env zx
// graysort: see `zx workloads/graysort.mjs --help` and the README's Workloads section.
import { runWorkload } from './lib/run-workload.mjs';

process.exitCode = await runWorkload('graysort');
