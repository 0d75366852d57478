// Work that only fills panels (validation, key probes, provider list, the flow list) waits until
// the open flow is on screen, so it neither delays the first draw nor competes with it for the CPU.
import { useEditor } from './store';

/** Calls `start` once the canvas has drawn (now if it has); returns a stop function for both cases. */
export function whenDrawn(start: () => () => void): () => void {
  let stop: (() => void) | undefined;
  if (useEditor.getState().drawnAt !== undefined) return start();
  const unsubscribe = useEditor.subscribe((s) => {
    if (s.drawnAt === undefined || stop) return;
    unsubscribe();
    stop = start();
  });
  return () => {
    unsubscribe();
    stop?.();
  };
}
