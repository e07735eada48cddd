/**
 * One chart on the report page: the pre-rendered SVG (shown at once, and all there is without
 * JavaScript), the slot the interactive view replaces it with, download links, and the 3FS figure.
 */
import { escapeHtml } from './html-escape.ts';
import type { Chart } from './types.ts';

export function chartSection(chart: Chart, svg: string, referenceFile: string | undefined): string {
  const id = escapeHtml(chart.id);
  const published = chart.reference && referenceFile
    ? `
<figure class="published">
<figcaption>3FS published</figcaption>
<img src="${escapeHtml(referenceFile)}" alt="3FS published figure: ${escapeHtml(chart.reference.caption)}">
<p>${escapeHtml(chart.reference.caption)}</p>
</figure>`
    : '';
  return `<section class="chart" id="chart-${id}">
<h2>${escapeHtml(chart.title)}</h2>
<div class="pair">
<figure class="measured">
<figcaption>Flyer measured</figcaption>
<div class="static">${svg}</div>
<div class="view" id="view-${id}"></div>
<p class="downloads"><a href="${id}.svg">SVG</a> · <a href="${id}.png">PNG</a></p>
</figure>${published}
</div>
</section>`;
}
