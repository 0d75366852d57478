// Side panel widths and open/closed state, remembered per browser (localStorage).
import { create } from 'zustand';

export type Side = 'left' | 'right';

interface PanelState {
  width: number;
  open: boolean;
}

export type Panels = Record<Side, PanelState>;

const KEY = 'atelier.panels';
export const PANEL_LIMITS: Record<Side, { min: number; max: number; initial: number }> = {
  left: { min: 180, max: 480, initial: 230 },
  right: { min: 240, max: 560, initial: 300 },
};

const clamp = (side: Side, width: number) => Math.round(Math.min(PANEL_LIMITS[side].max, Math.max(PANEL_LIMITS[side].min, width)));

function load(): Panels {
  const fallback: Panels = { left: { width: PANEL_LIMITS.left.initial, open: true }, right: { width: PANEL_LIMITS.right.initial, open: true } };
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<Panels> | null;
    for (const side of ['left', 'right'] as const) {
      const p = saved?.[side];
      if (p && typeof p.width === 'number' && typeof p.open === 'boolean') fallback[side] = { width: clamp(side, p.width), open: p.open };
    }
  } catch {
    /* unreadable: the defaults */
  }
  return fallback;
}

export const usePanels = create<Panels>()(load);

function save(): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(usePanels.getState()));
  } catch {
    /* private mode: remembered for this page only */
  }
}

export function setPanelWidth(side: Side, width: number): void {
  usePanels.setState((s) => ({ [side]: { ...s[side], width: clamp(side, width) } }));
  save();
}

export function setPanelOpen(side: Side, open: boolean): void {
  usePanels.setState((s) => ({ [side]: { ...s[side], open } }));
  save();
}

/** Screen width the side panels take now (for estimating the canvas before it is measured). */
export function panelsWidth(): number {
  const p = usePanels.getState();
  return (p.left.open ? p.left.width : 0) + (p.right.open ? p.right.width : 0) + 2 * RAIL_WIDTH;
}

export const RAIL_WIDTH = 6;
