// Where new nodes go: the wanted spot, or the nearest spot where they overlap no node already there.
import type { XYPosition } from '@xyflow/react';
import type { GraphNode } from './types';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A node's size before it is measured (the widest nodes are narrower than this is tall-safe). */
export const ESTIMATED_NODE = { width: 280, height: 160 };
const GAP = 24;
const STEP = 40;
/** Rings of candidate spots searched around the wanted one before giving up (and using it). */
const MAX_RINGS = 30;

export function rectOf(node: Pick<GraphNode, 'position' | 'measured'>): Rect {
  return { x: node.position.x, y: node.position.y, width: node.measured?.width ?? ESTIMATED_NODE.width, height: node.measured?.height ?? ESTIMATED_NODE.height };
}

export function overlaps(a: Rect, b: Rect, gap = 0): boolean {
  return a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;
}

/**
 * The offset to add to every rect of a group (pasted or new nodes) so that none overlaps an
 * existing node: (0, 0) when the wanted place is free, else the nearest free offset on a grid,
 * searched ring by ring (preferring right and down).
 */
export function freeOffset(group: Rect[], existing: Rect[]): XYPosition {
  if (!existing.length) return { x: 0, y: 0 };
  const fits = (dx: number, dy: number) => group.every((r) => existing.every((e) => !overlaps({ ...r, x: r.x + dx, y: r.y + dy }, e, GAP)));
  if (fits(0, 0)) return { x: 0, y: 0 };
  for (let ring = 1; ring <= MAX_RINGS; ring++) {
    const candidates: XYPosition[] = [];
    for (let i = -ring; i <= ring; i++) {
      candidates.push({ x: i, y: ring }, { x: i, y: -ring });
      if (i !== -ring && i !== ring) candidates.push({ x: ring, y: i }, { x: -ring, y: i });
    }
    candidates.sort((a, b) => Math.hypot(a.x, a.y) - Math.hypot(b.x, b.y) || b.x - a.x || b.y - a.y);
    for (const c of candidates) if (fits(c.x * STEP, c.y * STEP)) return { x: c.x * STEP, y: c.y * STEP };
  }
  return { x: 0, y: 0 };
}

/** The nearest free top-left position for one new node wanted at `position`. */
export function freePosition(position: XYPosition, existing: Rect[], size = ESTIMATED_NODE): XYPosition {
  const offset = freeOffset([{ ...position, ...size }], existing);
  return { x: position.x + offset.x, y: position.y + offset.y };
}
