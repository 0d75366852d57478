// Left panel: node palette, saved flows, run history.
import { lazy, Suspense } from 'react';
import { useEditor } from '../store/store';
import { FlowList } from './FlowList';
import { Palette } from './Palette';

// Tabs not shown at start load with their first opening, not with the editor.
const RunHistory = lazy(() => import('./RunHistory').then((m) => ({ default: m.RunHistory })));
const Gallery = lazy(() => import('../workspace/Gallery').then((m) => ({ default: m.Gallery })));
const ProvidersPanel = lazy(() => import('../problems/ProvidersPanel').then((m) => ({ default: m.ProvidersPanel })));

const tabs = [
  ['nodes', 'Nodes'],
  ['flows', 'Flows'],
  ['runs', 'Runs'],
  ['gallery', 'Gallery'],
  ['keys', 'Keys'],
] as const;

export function Sidebar() {
  const tab = useEditor((s) => s.sidebar);
  const missing = useEditor((s) => s.providers?.filter((p) => !p.configured).length ?? 0);
  return (
    <>
      <div role="tablist" className="tabs">
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} className={tab === id ? 'active' : ''} onClick={() => useEditor.setState({ sidebar: id })}>
            {label}
            {id === 'keys' && missing > 0 && <span className="tab-badge" aria-label={`${missing} providers without keys`}>{missing}</span>}
          </button>
        ))}
      </div>
      <div className="sidebar-body">
        {tab === 'nodes' && <Palette />}
        {tab === 'flows' && <FlowList />}
        <Suspense fallback={null}>
          {tab === 'runs' && <RunHistory />}
          {tab === 'gallery' && <Gallery variant="panel" />}
          {tab === 'keys' && <ProvidersPanel />}
        </Suspense>
      </div>
    </>
  );
}
