// The editor actions around subflows: make one from the selection, open one to edit it.
import { api } from '../api/client';
import { currentFlow, loadFlowDocument, openFlow, refreshFlows } from '../store/files';
import { setCatalog, toast, useEditor } from '../store/store';
import { confirmDiscard } from '../components/FlowList';
import { extractSubflow } from './extract-subflow';

/** Node types of saved flows used as nodes (the contract's `flow:<flowId>`). */
export const SUBFLOW_PREFIX = 'flow:';

export function subflowIdOf(atype: string): string | undefined {
  return atype.startsWith(SUBFLOW_PREFIX) ? atype.slice(SUBFLOW_PREFIX.length) : undefined;
}

/**
 * Extracts the selected nodes into a new saved flow and replaces them with one subflow node.
 * The outer flow stays open (unsaved); the catalog is fetched again so the new node type exists.
 */
export async function makeSubflow(selection = useEditor.getState().selection): Promise<string | undefined> {
  const s = useEditor.getState();
  let extraction;
  try {
    extraction = extractSubflow(currentFlow(), selection, `${s.meta.name} · ${selection.slice(0, 4).join(', ')}${selection.length > 4 ? '…' : ''}`.slice(0, 200));
  } catch (error) {
    toast(`Make subflow: ${(error as Error).message}`, 'error');
    return;
  }
  try {
    const saved = await api.createFlow(extraction.inner);
    setCatalog(await api.catalog());
    const before = useEditor.getState();
    loadFlowDocument(extraction.outer(saved.id), before.flowId, { dirty: true });
    // Loading clears the undo history; keep it, with the pre-extraction graph as the last step.
    useEditor.setState({ past: [...before.past, { nodes: before.nodes, edges: before.edges, meta: before.meta }] });
    void refreshFlows();
    toast(`Made subflow “${extraction.inner.name}” (${saved.id}); save this flow to keep the change`);
    return saved.id;
  } catch (error) {
    toast(`Make subflow failed: ${(error as Error).message}`, 'error');
    return;
  }
}

/** Opens the flow behind a subflow node (asking before unsaved work is discarded). */
export function openSubflow(atype: string): void {
  const id = subflowIdOf(atype);
  if (!id) return;
  confirmDiscard(() => void openFlow(id).catch((error: Error) => toast(`Could not open subflow ${id}: ${error.message}`, 'error')));
}
