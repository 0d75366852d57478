// Buttons a node gets from its capabilities: "Select object" for point-prompt nodes, "Crop on image…"
// for crop-box nodes, "View 3D" for
// model3d outputs that have a value in the run on screen.
import { isArtifact } from '../../../model/artifact';
import type { CatalogNode } from '../api/types';
import type { NodeRunState } from '../store/run-state';
import { cropBoxCapability, model3dPorts, pointPromptCapability } from './capabilities';
import { openWorkspace } from './workspace-store';

export function NodeWorkspaceActions({ nodeId, spec, state }: { nodeId: string; spec: CatalogNode | undefined; state: NodeRunState }) {
  const prompts = pointPromptCapability(spec);
  const crop = cropBoxCapability(spec);
  const models = model3dPorts(spec).filter((port) => isArtifact(state.outputs?.[port]));
  if (!prompts && !crop && !models.length) return null;
  return (
    <div className="ws-node-actions nodrag">
      {prompts && (
        <button type="button" onClick={() => openWorkspace({ kind: 'segment', nodeId })} title="Click on the input image to pick the object">
          Select object
        </button>
      )}
      {crop && (
        <button type="button" onClick={() => openWorkspace({ kind: 'crop', nodeId })} title="Drag a rectangle on the input image">
          Crop on image…
        </button>
      )}
      {models.map((port) => (
        <button key={port} type="button" onClick={() => openWorkspace({ kind: 'viewer', nodeId, port })} aria-label={models.length > 1 ? `View 3D ${port}` : 'View 3D'}>
          View 3D{models.length > 1 ? ` · ${port}` : ''}
        </button>
      ))}
    </div>
  );
}
