// Worker entry when running from TypeScript sources (tsx, vitest): loads cpu-tasks.ts through tsx.
// Compiled builds load cpu-tasks.js directly (worker-pool.ts picks whichever exists).
import { tsImport } from 'tsx/esm/api';

const tasks = await tsImport('./cpu-tasks.ts', import.meta.url);

export const segment = tasks.segment;
export const segmentImage = tasks.segmentImage;
export const renderRemoteAnswer = tasks.renderRemoteAnswer;
export const inflateObject = tasks.inflateObject;
export const objectCutout = tasks.objectCutout;
export const spin = tasks.spin;
