// Reading the graph and the run on screen: what feeds a node's input, and a node's last outputs.
import { useEditor } from '../store/store';

export function upstreamOf(nodeId: string, inputPort: string): { source: string; port: string } | undefined {
  const edge = useEditor.getState().edges.find((e) => e.target === nodeId && e.targetHandle === inputPort);
  return edge && edge.sourceHandle ? { source: edge.source, port: edge.sourceHandle } : undefined;
}

export function outputsOf(nodeId: string): Record<string, unknown> | undefined {
  return useEditor.getState().run?.nodes[nodeId]?.outputs;
}

/** The value flowing into a node's input in the run on screen (undefined when it has not run). */
export function inputValue(nodeId: string, inputPort: string): unknown {
  const up = upstreamOf(nodeId, inputPort);
  return up ? outputsOf(up.source)?.[up.port] : undefined;
}
