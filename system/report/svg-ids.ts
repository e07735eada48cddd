/**
 * Vega numbers SVG clip-path ids with a counter global to the process ("clip17"), so the same chart
 * renders to different bytes depending on what was rendered before, and two charts inlined in one HTML
 * page can share an id (the browser then clips one chart with the other's rectangle). Renaming every
 * id to `<prefix>-<n>` in order of appearance fixes both.
 */
const ID_OR_REFERENCE = /\bid="([^"]+)"|url\(#([^)"]+)\)|href="#([^"]+)"/g;

export function normalizeSvgIds(svg: string, prefix: string): string {
  const renamed = new Map<string, string>();
  for (const match of svg.matchAll(/\bid="([^"]+)"/g)) {
    const id = match[1] as string;
    if (!renamed.has(id)) renamed.set(id, `${prefix}-${renamed.size + 1}`);
  }
  if (renamed.size === 0) return svg;
  return svg.replace(ID_OR_REFERENCE, (whole, id?: string, urlRef?: string, hrefRef?: string) => {
    if (id !== undefined) return `id="${renamed.get(id) ?? id}"`;
    if (urlRef !== undefined) return renamed.has(urlRef) ? `url(#${renamed.get(urlRef)})` : whole;
    if (hrefRef !== undefined) return renamed.has(hrefRef) ? `href="#${renamed.get(hrefRef)}"` : whole;
    return whole;
  });
}
