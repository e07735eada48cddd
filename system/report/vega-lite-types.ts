/**
 * Names for the parts of a Vega-Lite spec the chart builders produce, derived from the public
 * TopLevelSpec type so that no unstable deep import is needed and literals are checked where written.
 */
import type { TopLevelSpec } from 'vega-lite';

export type LayeredSpec = Extract<TopLevelSpec, { layer: unknown }>;
export type Layer = LayeredSpec['layer'][number];
export type UnitLayer = Extract<Layer, { mark: unknown }>;
export type Encoding = NonNullable<UnitLayer['encoding']>;
export type Params = NonNullable<UnitLayer['params']>;
