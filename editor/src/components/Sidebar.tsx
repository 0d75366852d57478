// Left panel: node palette, saved flows, run history.
import { useEditor } from '../store/store';
import { FlowList } from './FlowList';
import { Palette } from './Palette';
import { RunHistory } from './RunHistory';
import { Gallery } from '../workspace/Gallery';

const tabs = [
  ['nodes', 'Nodes'],
  ['flows', 'Flows'],
  ['runs', 'Runs'],
  ['gallery', 'Gallery'],
] as const;

export function Sidebar() {
  const tab = useEditor((s) => s.sidebar);
  return (
    <>
      <div role="tablist" className="tabs">
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} className={tab === id ? 'active' : ''} onClick={() => useEditor.setState({ sidebar: id })}>
            {label}
          </button>
        ))}
      </div>
      <div className="sidebar-body">
        {tab === 'nodes' && <Palette />}
        {tab === 'flows' && <FlowList />}
        {tab === 'runs' && <RunHistory />}
        {tab === 'gallery' && <Gallery variant="panel" />}
      </div>
    </>
  );
}
