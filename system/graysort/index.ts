/** GraySort building blocks: gensort, valsort and the native sort engine, as library calls (files through the native processes, or records in memory through the sort library). */
export { gensort, gensortArgs, type GensortOptions, type GensortResult } from './gensort.ts';
export { runTool, runToolInherited, sortToolPath, sortToolsDir, type SortTool } from './native-tools.ts';
export { partitionRecords, partPath, sampleSplitters, sortRecords, type KeySpace, type PartitionOptions, type PartitionResult, type SortOptions, type SortStats } from './sort-engine.ts';
export { SortedRecords } from './sort-stream.ts';
export { partitionRecordsInMemory, sortRecordsInMemory, summarizeRecordsInMemory, type InMemoryPartition, type InMemorySortOptions, type InMemorySortStats } from './sort-library.ts';
export { decodeSummaries, decodeSummary, SUMMARY_BYTES, type ValsortSummary } from './summary.ts';
export { concatSummaries, expectValidSort, parseValsortReport, valsort, valsortSummaries, type ValsortOptions, type ValsortReport } from './valsort.ts';
