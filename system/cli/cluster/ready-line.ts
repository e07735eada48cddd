import { closeSync, openSync, readSync, statSync } from 'node:fs';

/**
 * Finds a process's `{"ready":true,...}` line in its log file, reading only what was appended after
 * `fromBytes` (the log's size when the process was spawned: logs are appended across restarts).
 */
export function findReadyLine(logPath: string, fromBytes: number): Record<string, unknown> | undefined {
  for (const line of readFrom(logPath, fromBytes).split('\n')) {
    if (!line.startsWith('{') || !line.includes('"ready"')) continue;
    try {
      const value = JSON.parse(line) as Record<string, unknown>;
      if (value['ready'] === true) return value;
    } catch {
      // A partial line (still being written) or a log line that merely mentions "ready".
    }
  }
  return undefined;
}

/** The last `lines` lines written since `fromBytes`, for error messages. */
export function logTail(logPath: string, fromBytes: number, lines = 12): string {
  return readFrom(logPath, fromBytes).trimEnd().split('\n').slice(-lines).join('\n');
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function readFrom(path: string, fromBytes: number): string {
  const size = fileSize(path);
  if (size <= fromBytes) return '';
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(size - fromBytes);
    const read = readSync(fd, buffer, 0, buffer.length, fromBytes);
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
