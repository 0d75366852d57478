// What an empty canvas says to a new user, with the saved/example flows one click away.
import { useEditor } from '../store/store';
import { confirmDiscard, openFlowWithRun } from './FlowList';

export function EmptyHint() {
  const empty = useEditor((s) => s.nodes.length === 0);
  const flows = useEditor((s) => s.flows);
  if (!empty) return null;
  return (
    <div className="empty-hint">
      <h2>Build a flow</h2>
      <p>Drag nodes from the palette on the left (or click them), double-click the canvas to search, and drag from a port to link nodes. Then press <kbd>Run</kbd> (Ctrl+Enter).</p>
      {flows.length > 0 && (
        <>
          <p>Or open a flow:</p>
          <ul>
            {flows.slice(0, 8).map((f) => (
              <li key={f.id}>
                <button type="button" className="link" onClick={() => confirmDiscard(() => openFlowWithRun(f.id))}>
                  {f.name}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
