/** What GraySort's phases hand on (JSON: in real runs it crosses process boundaries). */
export interface GenerateOutput {
  readonly records: number;
  /** gensort -c of this client's records: the sum of their CRC-32s, in hex. */
  readonly checksumHex: string;
}

export interface PartitionOutput {
  readonly records: number;
  /** Records this client sent to each partition. */
  readonly counts: readonly number[];
}

export interface SortOutput {
  readonly partitions: ReadonlyArray<{
    readonly partition: number;
    readonly records: number;
    readonly sortSec: number;
    /** valsort -o of the sorted partition (real runs with records). */
    readonly summaryBase64?: string;
  }>;
}

export interface ValidateInput {
  /** Summaries of the non-empty partitions, in partition order. */
  readonly summariesBase64: readonly string[];
  readonly inputChecksumHex: string;
  readonly inputRecords: number;
  /** Records per partition, in partition order (the simulation checks counts only). */
  readonly partitionRecords: readonly number[];
}

export interface ValidateOutput {
  readonly valid: boolean;
  readonly records: number;
  readonly outputBytes: number;
  readonly checksumHex: string;
  readonly inputChecksumHex: string;
  readonly duplicates: number | null;
  readonly problems: readonly string[];
  readonly validatedBy: string;
}
