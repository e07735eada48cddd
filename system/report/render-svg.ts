/**
 * Vega-Lite spec -> static SVG, in Node with no browser and no canvas: Vega's headless scenegraph
 * renders SVG text directly, so this works on any machine `npm ci` set up.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { FlyerError } from '../env/errors.ts';

export async function renderSvg(chartId: string, spec: TopLevelSpec): Promise<string> {
  let view: View | undefined;
  try {
    const vegaSpec = compile(spec).spec;
    view = new View(parse(vegaSpec), { renderer: 'none' });
    return await view.toSVG();
  } catch (error) {
    throw new FlyerError('REPORT_RENDER_FAILED', `chart '${chartId}' to SVG: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    // Releases the view's dataflow and any listeners so a long report run does not accumulate them.
    view?.finalize();
  }
}
