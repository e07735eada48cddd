/** GraySort building blocks: gensort, valsort and the native sort engine, as library calls. */
export { gensort, gensortArgs, type GensortOptions, type GensortResult } from './gensort.ts';
export { runTool, runToolInherited, sortToolPath, sortToolsDir, type SortTool } from './native-tools.ts';
export { partitionRecords, partPath, sampleSplitters, sortRecords, type KeySpace, type PartitionOptions, type PartitionResult, type SortOptions, type SortStats } from './sort-engine.ts';
export { decodeSummaries, decodeSummary, SUMMARY_BYTES, type ValsortSummary } from './summary.ts';
export { concatSummaries, expectValidSort, parseValsortReport, valsort, valsortSummaries, type ValsortOptions, type ValsortReport } from './valsort.ts';
