// The React Flow canvas. All graph state lives in the store; this wires events to actions.
import {
  Background,
  Controls,
  ReactFlow,
  useReactFlow,
  useStoreApi,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
  type OnSelectionChangeParams,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { addNode, checkpoint, connect, onEdgesChange, onNodesChange, openDialog, specOf, toast, useEditor, validateConnection } from '../store/store';
import type { GraphEdge, GraphNode } from '../graph/types';
import { nextFrame } from '../frame';
import { AtelierNode } from './AtelierNode';
import { dropGalleryImage, isGalleryDrag } from '../workspace/gallery-actions';
import { hasFiles, imageFilesOf } from '../images/image-files';
import { dropImagesOrFlow } from '../flows-features/embedded-flow';
import { setPointer } from '../images/pointer';
import { panelsWidth } from '../layout/panels';
import { rectOf } from '../graph/free-space';
import { annotationIdOf, toAnnotationNodes, type AnnotationNode } from '../annotations/annotation-nodes';
import { applyAnnotationChanges, startAnnotationDrag } from '../annotations/annotations';
import { GroupNode } from '../annotations/GroupNode';
import { UnmeasuredNodes } from './unmeasured-nodes';
import { FlowMinimap } from './FlowMinimap';
import { NoteNode } from '../annotations/NoteNode';

/** What the canvas draws: the flow's nodes over its groups and notes. */
type CanvasNode = GraphNode | AnnotationNode;

const nodeTypes = { atelier: AtelierNode, 'atelier-group': GroupNode, 'atelier-note': NoteNode };
export const PALETTE_MIME = 'application/x-atelier-node';

const isValidConnection: IsValidConnection<GraphEdge> = (c) => validateConnection(c).ok;
const onBeforeDelete = async () => {
  checkpoint();
  return true;
};
const onNodeDragStart = (_event: unknown, node: CanvasNode) => {
  checkpoint();
  const annotation = annotationIdOf(node.id);
  if (annotation) startAnnotationDrag(annotation);
};

/** Changes to groups and notes go to their actions, the rest to the graph's. */
const onCanvasNodesChange = (changes: NodeChange<CanvasNode>[]) => {
  const graph: NodeChange<GraphNode>[] = [];
  const annotations: NodeChange<GraphNode>[] = [];
  for (const change of changes) {
    const id = 'id' in change ? change.id : change.item.id;
    (annotationIdOf(id) === undefined ? graph : annotations).push(change as NodeChange<GraphNode>);
  }
  if (annotations.length) applyAnnotationChanges(annotations);
  if (graph.length) onNodesChange(graph);
};

const onSelectionChange = ({ nodes }: OnSelectionChangeParams) => {
  const ids = nodes.map((n) => n.id).filter((id) => annotationIdOf(id) === undefined);
  const prev = useEditor.getState().selection;
  if (ids.length !== prev.length || ids.some((id, i) => id !== prev[i])) useEditor.setState({ selection: ids });
};

const onNodeContextMenu = (event: React.MouseEvent, node: CanvasNode) => {
  event.preventDefault();
  const screen = { x: event.clientX, y: event.clientY };
  const annotationId = annotationIdOf(node.id);
  openDialog(annotationId ? { kind: 'annotation-menu', annotationId, screen } : { kind: 'node-menu', nodeId: node.id, screen });
};

const isAnnotationId = (id: string) => annotationIdOf(id) !== undefined;

/** Flows up to this size keep every node in the page (find, tests, screen readers); larger ones draw only what is on screen. */
const RENDER_ALL_UP_TO = 150;

/** Opening a flow never zooms out below this: titles and ports stay readable; pan and the minimap reach the rest. */
export const OPEN_MIN_ZOOM = 0.75;
const OPEN_MAX_ZOOM = 1.2;
const FIT_PADDING = 24;

/**
 * The viewport that shows a loaded flow: all of it when it fits at a readable zoom (centred),
 * else its top-left part (where flows start) at OPEN_MIN_ZOOM.
 */
export function viewportFor(nodes: GraphNode[], width: number, height: number) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const n of nodes) {
    const r = rectOf(n);
    x0 = Math.min(x0, r.x);
    y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.width);
    y1 = Math.max(y1, r.y + r.height);
  }
  const [bw, bh] = [Math.max(1, x1 - x0), Math.max(1, y1 - y0)];
  const room = { w: Math.max(1, width - 2 * FIT_PADDING), h: Math.max(1, height - 2 * FIT_PADDING) };
  const zoom = Math.min(OPEN_MAX_ZOOM, Math.max(OPEN_MIN_ZOOM, Math.min(room.w / bw, room.h / bh)));
  const x = bw * zoom <= room.w ? (width - bw * zoom) / 2 - x0 * zoom : FIT_PADDING - x0 * zoom;
  const y = bh * zoom <= room.h ? (height - bh * zoom) / 2 - y0 * zoom : FIT_PADDING - y0 * zoom;
  return { x, y, zoom };
}

export function Canvas() {
  const nodes = useEditor((s) => s.nodes);
  const annotations = useEditor((s) => s.annotations);
  const catalog = useEditor((s) => s.catalog);
  const flowStore = useStoreApi();
  const [unmeasured] = useState(() => new UnmeasuredNodes());
  const onlyVisible = nodes.length + annotations.length > RENDER_ALL_UP_TO;
  const drawn = useMemo<CanvasNode[]>(() => {
    let graph = nodes;
    if (onlyVisible) {
      unmeasured.learn(nodes, flowStore.getState().nodeLookup);
      graph = nodes.map((n) => unmeasured.prepare(n, catalog));
    }
    return annotations.length ? [...toAnnotationNodes(annotations), ...graph] : graph;
  }, [annotations, nodes, onlyVisible, unmeasured, flowStore, catalog]);
  const edges = useEditor((s) => s.edges);
  const theme = useEditor((s) => s.theme);
  const drawnAt = useEditor((s) => s.drawnAt);
  const booting = useEditor((s) => s.booting);
  const loads = useEditor((s) => s.loads);
  const rf = useReactFlow<GraphNode, GraphEdge>();
  const wrapper = useRef<HTMLDivElement>(null);
  // First draw already at the loaded flow's fit, estimated from the window (the side panels
  // have fixed widths); the effect below refines it with the canvas's measured size.
  const [initialViewport] = useState(() => {
    const loaded = useEditor.getState().nodes;
    return loaded.length ? viewportFor(loaded, Math.max(200, window.innerWidth - panelsWidth()), Math.max(200, window.innerHeight - 45)) : undefined;
  });

  // Fit a freshly loaded flow once, from its positions (only visible nodes are ever measured,
  // so waiting for all measurements would wait forever), then mark it drawn once the nodes
  // on screen are measured and painted. Sizes come from React Flow's store: reading them
  // from the DOM would force a layout of every node.
  useEffect(() => {
    if (drawnAt !== undefined || booting) return;
    const { width, height } = flowStore.getState();
    const loaded = useEditor.getState().nodes;
    if (loaded.length && width && height) void rf.setViewport(viewportFor(loaded, width, height));
    performance.mark('atelier:fitted');
    const el = wrapper.current;
    let cancel = nextFrame(function check() {
      const byId = new Map(useEditor.getState().nodes.map((n) => [n.id, n]));
      const pending = [...(el?.querySelectorAll('.react-flow__node:not(.annotation)') ?? [])].some((e) => !byId.get(e.getAttribute('data-id') ?? '')?.measured);
      performance.mark(pending ? 'atelier:measuring' : 'atelier:measured');
      // One more frame after the last measurement: that frame paints the flow.
      cancel = nextFrame(pending ? check : () => useEditor.setState({ drawnAt: performance.mark('atelier:drawn').startTime }));
    });
    return () => cancel();
  }, [drawnAt, booting, loads, rf, flowStore]);

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromHandle?.id || !state.fromNode) return;
      const from = state.fromHandle;
      if (state.toHandle?.id && state.toNode) {
        const to = state.toHandle;
        const c = from.type === 'source'
          ? { source: from.nodeId, sourceHandle: from.id ?? null, target: to.nodeId, targetHandle: to.id ?? null }
          : { source: to.nodeId, sourceHandle: to.id ?? null, target: from.nodeId, targetHandle: from.id ?? null };
        const check = validateConnection(c);
        toast(check.reason ?? 'These ports cannot be linked', 'error');
        return;
      }
      if (state.toNode) return;
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      const fromSpec = specOf((state.fromNode as unknown as GraphNode).data.atype);
      const port = from.type === 'source' ? fromSpec?.outputs[from.id!] : fromSpec?.inputs[from.id!];
      if (!port) return;
      openDialog({
        kind: 'search',
        screen: { x: point.clientX, y: point.clientY },
        flow: rf.screenToFlowPosition({ x: point.clientX, y: point.clientY }),
        link: { nodeId: from.nodeId, handle: from.id!, side: from.type, dataType: port.type },
      });
    },
    [rf],
  );

  const onPaneContextMenu = useCallback(
    (event: MouseEvent | React.MouseEvent) => {
      event.preventDefault();
      const screen = { x: event.clientX, y: event.clientY };
      openDialog({ kind: 'pane-menu', screen, flow: rf.screenToFlowPosition(screen) });
    },
    [rf],
  );

  const onDoubleClick = useCallback(
    (event: React.MouseEvent) => {
      if (!(event.target as HTMLElement).classList.contains('react-flow__pane')) return;
      openDialog({ kind: 'search', screen: { x: event.clientX, y: event.clientY }, flow: rf.screenToFlowPosition({ x: event.clientX, y: event.clientY }) });
    },
    [rf],
  );

  const onDrop = useCallback(
    (event: React.DragEvent) => {
      const at = rf.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      if (hasFiles(event.dataTransfer)) {
        event.preventDefault();
        const images = imageFilesOf(event.dataTransfer);
        if (images.length) void dropImagesOrFlow(images, at);
        else toast('Only images can be dropped on the canvas (PNG, JPEG, WebP, GIF); open a flow .json with Import', 'error');
        return;
      }
      if (dropGalleryImage(event, at)) return;
      const atype = event.dataTransfer.getData(PALETTE_MIME);
      if (!atype) return;
      event.preventDefault();
      addNode(atype, rf.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
    },
    [rf],
  );

  return (
    <div
      className="canvas"
      ref={wrapper}
      onDoubleClick={onDoubleClick}
      onDrop={onDrop}
      onMouseMove={(e) => setPointer({ x: e.clientX, y: e.clientY })}
      onDragOver={(e) => (e.dataTransfer.types.includes(PALETTE_MIME) || isGalleryDrag(e) || hasFiles(e.dataTransfer)) && e.preventDefault()}
    >
      <ReactFlow<CanvasNode, GraphEdge>
        nodes={drawn}
        edges={edges}
        defaultViewport={initialViewport}
        nodeTypes={nodeTypes}
        onNodesChange={onCanvasNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={connect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onBeforeDelete={onBeforeDelete}
        onNodeDragStart={onNodeDragStart}
        onSelectionChange={onSelectionChange}
        onNodeContextMenu={onNodeContextMenu}
        onPaneContextMenu={onPaneContextMenu}
        elevateNodesOnSelect={false}
        onlyRenderVisibleElements={onlyVisible}
        zoomOnDoubleClick={false}
        deleteKeyCode={['Delete', 'Backspace']}
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        minZoom={0.05}
        maxZoom={3}
        colorMode={theme}
        proOptions={{ hideAttribution: true }}
        defaultEdgeOptions={{ interactionWidth: 16 }}
      >
        <Background gap={24} />
        <Controls showInteractive={false} />
        <FlowMinimap nodes={drawn} isAnnotation={isAnnotationId} />
      </ReactFlow>
    </div>
  );
}
