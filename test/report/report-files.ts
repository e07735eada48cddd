/**
 * Readers for the files a report writes, for the tests: which marks an SVG holds, and the header
 * fields of a PNG.
 */

export interface SvgMarkGroup {
  /** Vega's mark type: line, area, rect, rule, text, ... */
  readonly mark: string;
  readonly paths: number;
  readonly lines: number;
  readonly texts: string[];
  /** Total length of the path data, to tell a drawn series from an empty one. */
  readonly pathDataChars: number;
}

/** The mark groups (`<g class="mark-X role-mark ...">`) of a Vega SVG, in document order. */
export function svgMarkGroups(svg: string): SvgMarkGroup[] {
  const groups: SvgMarkGroup[] = [];
  for (const match of svg.matchAll(/<g class="mark-([a-z]+) role-mark[^"]*"[^>]*>(.*?)<\/g>/g)) {
    const inner = match[2] ?? '';
    groups.push({
      mark: match[1] ?? '',
      paths: (inner.match(/<path/g) ?? []).length,
      lines: (inner.match(/<line/g) ?? []).length,
      texts: [...inner.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((text) => text[1] ?? ''),
      pathDataChars: [...inner.matchAll(/\bd="([^"]*)"/g)].reduce((sum, d) => sum + (d[1]?.length ?? 0), 0),
    });
  }
  return groups;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngHeader {
  readonly signatureOk: boolean;
  readonly firstChunk: string;
  readonly widthPx: number;
  readonly heightPx: number;
}

export function pngHeader(png: Buffer): PngHeader {
  return {
    signatureOk: png.subarray(0, 8).equals(PNG_SIGNATURE),
    firstChunk: png.subarray(12, 16).toString('latin1'),
    widthPx: png.readUInt32BE(16),
    heightPx: png.readUInt32BE(20),
  };
}
