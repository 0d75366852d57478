// The inspector's "Sweep…" link for a flow input; the sweep dialog loads with its first opening.
import { lazy, Suspense, useState } from 'react';

const SweepDialog = lazy(() => import('./Sweep').then((m) => ({ default: m.SweepDialog })));

export function SweepButton({ input }: { input: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="link" aria-label={`Sweep ${input}`} onClick={() => setOpen(true)}>Sweep…</button>
      {open && (
        <Suspense fallback={null}>
          <SweepDialog input={input} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
