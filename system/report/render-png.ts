/**
 * SVG -> PNG with resvg (a Rust renderer shipped as a prebuilt binary inside its npm package, so no
 * install script or system library is needed). Rendered at 2x so the PNG stays sharp in documents.
 */
import resvg from '@resvg/resvg-js';
import { FlyerError } from '../env/errors.ts';

export const PNG_SCALE = 2;

/**
 * Vega writes `font-family="sans-serif"`; resvg maps that generic name to Arial unless told otherwise,
 * which most Linux machines lack (text would vanish). DejaVu Sans ships with Debian's fontconfig and
 * Chromium; resvg falls back to any system font when it is missing.
 */
const SANS_SERIF_FAMILY = 'DejaVu Sans';

export function svgToPng(chartId: string, svg: string): Buffer {
  try {
    const renderer = new resvg.Resvg(svg, {
      background: 'white',
      fitTo: { mode: 'zoom', value: PNG_SCALE },
      font: { loadSystemFonts: true, sansSerifFamily: SANS_SERIF_FAMILY, defaultFontFamily: SANS_SERIF_FAMILY },
      logLevel: 'off',
    });
    return renderer.render().asPng();
  } catch (error) {
    throw new FlyerError('REPORT_RENDER_FAILED', `chart '${chartId}' to PNG: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
