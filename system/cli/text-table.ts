/**
 * Plain-text tables for people: a header row, columns padded to their widest cell, two spaces between
 * columns. Numbers are right-aligned so digits line up.
 */
export function textTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((row) => typeof row[c] === 'number'));
  const widths = header.map((title, c) => Math.max(title.length, ...cells.map((row) => row[c]?.length ?? 0)));
  const line = (row: readonly string[]): string => row
    .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
    .join('  ')
    .trimEnd();
  return [line([...header]), ...cells.map(line)].join('\n');
}
