import type { BuildOptions } from 'esbuild';

/** esbuild options of the shipped bundles, for sources under `root`. */
export function productionBundle(root: string): BuildOptions;
