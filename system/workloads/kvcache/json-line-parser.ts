import { createRequire } from 'node:module';

/**
 * The JSON parser for trace lines: the `simdjson` package (a native addon; CommonJS, so loaded through
 * createRequire). The package itself silently hands out the built-in JSON object when its addon is not
 * built; we detect that, and a failed load, and fall back to JSON.parse *saying so once on stderr*, so a
 * slow parse is never mistaken for simdjson's.
 */
export interface JsonLineParser {
  /** 'simdjson', or 'JSON.parse' when simdjson could not be used. */
  readonly name: 'simdjson' | 'JSON.parse';
  /** Why simdjson is not used (absent when it is). */
  readonly fallbackReason?: string;
  /** Parses one JSON text; throws an Error with the parser's message when it is not valid JSON. */
  parse(text: string): unknown;
}

interface SimdjsonModule {
  parse(text: string): unknown;
  lazyParse?: unknown;
}

let loaded: JsonLineParser | undefined;

export function jsonLineParser(): JsonLineParser {
  loaded ??= load();
  return loaded;
}

function load(): JsonLineParser {
  let reason: string;
  try {
    const simdjson = createRequire(import.meta.url)('simdjson') as SimdjsonModule;
    // lazyParse exists only in the native addon: without it the package is JSON under another name.
    if ((simdjson as unknown) !== JSON && typeof simdjson.lazyParse === 'function') {
      return { name: 'simdjson', parse: (text) => simdjson.parse(text) };
    }
    reason = 'the simdjson native addon is not built (run `npm rebuild simdjson`)';
  } catch (error) {
    reason = `simdjson failed to load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
  process.stderr.write(`kvcache: parsing traces with JSON.parse because ${reason}\n`);
  return { name: 'JSON.parse', fallbackReason: reason, parse: (text) => JSON.parse(text) as unknown };
}
