// The node element (React Flow's wrapper, `.react-flow__node[data-id]`) carries the node's state
// for tests and assistive tech: data-node-id, data-node-type, data-status, data-invalid.
import { useLayoutEffect, type RefObject } from 'react';

export function useNodeAttributes(root: RefObject<HTMLElement | null>, id: string, atype: string, status: string, invalid: boolean): void {
  useLayoutEffect(() => {
    const wrapper = root.current?.parentElement;
    if (!wrapper) return;
    wrapper.setAttribute('data-node-id', id);
    wrapper.setAttribute('data-node-type', atype);
    wrapper.setAttribute('data-status', status);
    if (invalid) wrapper.setAttribute('data-invalid', 'true');
    else wrapper.removeAttribute('data-invalid');
  }, [root, id, atype, status, invalid]);
}
