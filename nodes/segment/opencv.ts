// Loads OpenCV.js once, lazily. The module's own `.then()` resolves to itself, so `await cv`
// never settles: wait for `onRuntimeInitialized` (or for `Mat`, when it is already up) instead.
import { createRequire } from 'node:module';
import type * as OpenCv from '@techstark/opencv-js';

export type Cv = typeof OpenCv;

let loading: Promise<Cv> | undefined;

export function loadOpenCv(): Promise<Cv> {
  loading ??= new Promise<Cv>((resolve, reject) => {
    try {
      const cv = createRequire(import.meta.url)('@techstark/opencv-js') as Cv & { onRuntimeInitialized?: () => void };
      if (typeof cv.Mat === 'function') return resolve(stripThen(cv));
      cv.onRuntimeInitialized = () => resolve(stripThen(cv));
    } catch (error) {
      loading = undefined;
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
  return loading;
}

/** Resolving a promise with a thenable would call its `.then` again: hand out a wrapper without it. */
function stripThen(cv: Cv): Cv {
  return new Proxy(cv, { get: (target, key) => (key === 'then' ? undefined : Reflect.get(target, key)) });
}
