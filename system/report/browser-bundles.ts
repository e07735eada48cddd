/**
 * The minified browser builds of vega, vega-lite and vega-embed, read from node_modules so the report
 * page can inline them and work offline. Found through the packages' own entry points (their exports
 * maps hide package.json), then the sibling `.min.js` in the same build folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlyerError } from '../env/errors.ts';
import { inlineScriptSource } from './html-escape.ts';

export interface BrowserBundles {
  /** In load order: vega-lite and vega-embed expect `vega` (and `vegaLite`) as globals. */
  readonly scripts: readonly { readonly name: string; readonly source: string }[];
}

const BUNDLES = [
  { name: 'vega', entry: 'vega', file: 'vega.min.js' },
  { name: 'vega-lite', entry: 'vega-lite', file: 'vega-lite.min.js' },
  { name: 'vega-embed', entry: 'vega-embed', file: 'vega-embed.min.js' },
] as const;

let cached: BrowserBundles | undefined;

export function browserBundles(): BrowserBundles {
  cached ??= {
    scripts: BUNDLES.map((bundle) => {
      const path = join(dirname(fileURLToPath(import.meta.resolve(bundle.entry))), bundle.file);
      if (!existsSync(path)) throw new FlyerError('REPORT_BUNDLE_MISSING', `${bundle.name}: expected ${path} (run npm ci)`);
      return { name: bundle.name, source: inlineScriptSource(readFileSync(path, 'utf8')) };
    }),
  };
  return cached;
}
