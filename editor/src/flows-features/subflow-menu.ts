// Node menu entries for subflows: "Make subflow" from the selection (or the node alone), and
// "Open subflow" on a subflow node.
import type { EditorState } from '../store/store';
import { makeSubflow, openSubflow, subflowIdOf } from './make-subflow';

export function subflowMenuItems(nodeId: string, state: Pick<EditorState, 'selection' | 'nodes'>): Array<[string, () => void]> {
  const selection = state.selection.includes(nodeId) ? state.selection : [nodeId];
  const items: Array<[string, () => void]> = [[`Make subflow${selection.length > 1 ? ` (${selection.length} nodes)` : ''}`, () => void makeSubflow(selection)]];
  const atype = state.nodes.find((n) => n.id === nodeId)?.data.atype;
  if (atype && subflowIdOf(atype)) items.push(['Open subflow', () => openSubflow(atype)]);
  return items;
}
