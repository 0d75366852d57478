// The toolbar's "Template" button; the templates dialog loads with its first opening.
import { LayoutTemplate } from 'lucide-react';
import { lazy, Suspense, useState } from 'react';

const TemplatesDialog = lazy(() => import('./Templates').then((m) => ({ default: m.TemplatesDialog })));

export function TemplatesButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="tool" aria-label="From template" title="New from template" onClick={() => setOpen(true)}>
        <LayoutTemplate size={15} aria-hidden />
        <span className="tool-label">Template</span>
      </button>
      {open && (
        <Suspense fallback={null}>
          <TemplatesDialog onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
