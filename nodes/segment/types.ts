// Shapes shared by the sam2.segment node and its backends.

/** A prompt point in source-image pixels; label 1 = object, 0 = background. */
export interface PromptPoint {
  x: number;
  y: number;
  label: 0 | 1;
}

/** [x0, y0, x1, y1] in source-image pixels. */
export type PromptBox = [number, number, number, number];

export interface SegmentPrompt {
  points: PromptPoint[];
  box?: PromptBox;
  multimask: boolean;
  /** No points and no box: the backend segments the most salient object. */
  salient: boolean;
}

/** Interleaved 8-bit RGB pixels. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** One mask at source size: one byte per pixel, 255 = object, 0 = background. */
export interface MaskCandidate {
  mask: Uint8Array;
  score: number;
}

export interface SegmentResult {
  candidates: MaskCandidate[];
  /** Facts for ctx.setMeta (backend name and how it ran). */
  meta: Record<string, unknown>;
}
