// What the current run says about a node: progress (with message and preview), its error, why it was skipped.
import { artifactUrl } from '../../api/client';
import type { NodeRunState as State } from '../../store/run-state';

export function NodeRunState({ state, compact }: { state: State; compact: boolean }) {
  const { status } = state;
  const percent = Math.round((state.fraction ?? 0) * 100);
  return (
    <>
      {status === 'running' && !compact && (
        <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
          <div className="progress-bar" style={{ width: `${percent}%` }} />
          {state.message && <div className="progress-message">{state.message}</div>}
          {state.preview && <img className="preview" src={artifactUrl(state.preview, false)} alt="preview" draggable={false} />}
        </div>
      )}
      {status === 'failed' && state.error && (
        <div className="anode-error" role="alert" data-error>
          {state.error}
        </div>
      )}
      {status === 'skipped' && state.reason && <div className="muted small">skipped: {state.reason}</div>}
    </>
  );
}
