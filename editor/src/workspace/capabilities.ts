// Which rich widget or viewer a node gets, decided from its catalog entry — widget hints declared in
// its params' JSON Schema, port data types — and output values, never from its type or param names.
import { isArtifact, type Artifact } from '../../../model/artifact';
import type { Placement } from '../../../model/placement';
import type { CatalogNode, JsonSchema } from '../api/types';
import type { Catalog } from '../store/store';

/**
 * A node that takes click prompts on an image: a param with widget `points` (a list of `{x, y, label}`),
 * optionally `box` ([x0, y0, x1, y1]), `multimask` (ask for candidates) and `mask-pick` (which one).
 */
export interface PointPromptCapability {
  imageInput: string;
  pointsParam: string;
  boxParam?: string;
  /** A boolean param asking for several candidate masks, and the param picking one. */
  multimaskParam?: string;
  pickParam?: string;
}

const props = (schema: JsonSchema | undefined) => schema?.properties ?? {};

/** The params whose JSON Schema declares this widget hint, in declaration order. */
export function paramsWithWidget(spec: CatalogNode | undefined, widget: string): string[] {
  return Object.entries(props(spec?.params)).filter(([, s]) => s.widget === widget).map(([name]) => name);
}

export function paramWithWidget(spec: CatalogNode | undefined, widget: string): string | undefined {
  return paramsWithWidget(spec, widget)[0];
}

export function pointPromptCapability(spec: CatalogNode | undefined): PointPromptCapability | null {
  if (!spec) return null;
  const imageInput = Object.entries(spec.inputs).find(([, p]) => p.type === 'image')?.[0];
  const pointsParam = paramWithWidget(spec, 'points');
  if (!imageInput || !pointsParam) return null;
  const boxParam = paramWithWidget(spec, 'box');
  const multimaskParam = paramWithWidget(spec, 'multimask');
  const pickParam = paramWithWidget(spec, 'mask-pick');
  return { imageInput, pointsParam, ...(boxParam && { boxParam }), ...(multimaskParam && { multimaskParam }), ...(pickParam && { pickParam }) };
}

/** A node whose crop rectangle is four params with widget `crop-box` and `box: x | y | width | height`. */
export interface CropBoxCapability {
  imageInput: string;
  x: string;
  y: string;
  width: string;
  height: string;
}

export function cropBoxCapability(spec: CatalogNode | undefined): CropBoxCapability | null {
  if (!spec) return null;
  const imageInput = Object.entries(spec.inputs).find(([, p]) => p.type === 'image')?.[0];
  const parts: Record<string, string> = {};
  for (const [name, s] of Object.entries(props(spec.params))) if (s.widget === 'crop-box' && typeof s.box === 'string') parts[s.box] = name;
  if (!imageInput || !parts.x || !parts.y || !parts.width || !parts.height) return null;
  return { imageInput, x: parts.x, y: parts.y, width: parts.width, height: parts.height };
}

/** The output ports that carry a 3D model. */
export function model3dPorts(spec: CatalogNode | undefined): string[] {
  return spec ? Object.entries(spec.outputs).filter(([, p]) => p.type === 'model3d').map(([name]) => name) : [];
}

/** A json value shaped like lgm.3d's `placement` (see nodes/threed/placement.ts). */
export function isPlacement(value: unknown): value is Placement {
  const v = value as Placement | null;
  return (
    !!v && typeof v === 'object' &&
    typeof v.imageWidth === 'number' && typeof v.imageHeight === 'number' && typeof v.pixelsPerUnit === 'number' &&
    typeof v.center?.x === 'number' && typeof v.center?.y === 'number' &&
    typeof v.bbox?.width === 'number' && typeof v.bbox?.height === 'number'
  );
}

/** The first sibling output that is a placement. */
export function placementAmong(outputs: Record<string, unknown> | undefined): Placement | undefined {
  return Object.values(outputs ?? {}).find(isPlacement);
}

/** An image source on a node: the param that takes an uploaded image (`image-upload`), and a shipped-asset param (`image-asset`) if any. */
export interface ImageSourceCapability {
  uploadParam: string;
  assetParam?: string;
}

export function imageSourceCapability(spec: CatalogNode | undefined): ImageSourceCapability | null {
  const uploadParam = paramWithWidget(spec, 'image-upload');
  if (!uploadParam) return null;
  const assetParam = paramWithWidget(spec, 'image-asset');
  return { uploadParam, ...(assetParam && { assetParam }) };
}

/**
 * The catalog node that loads an image: no inputs, an image output and an `image-upload` param.
 * Dropped, pasted, imported and gallery images open through it.
 */
export function imageLoader(catalog: Catalog | null): { type: string; param: string; assetParam?: string } | null {
  for (const spec of catalog?.nodes ?? []) {
    if (Object.keys(spec.inputs).length) continue;
    if (!Object.values(spec.outputs).some((p) => p.type === 'image')) continue;
    const source = imageSourceCapability(spec);
    if (source) return { type: spec.type, param: source.uploadParam, ...(source.assetParam && { assetParam: source.assetParam }) };
  }
  return null;
}

export function asArtifact(value: unknown): Artifact | undefined {
  return isArtifact(value) ? value : undefined;
}
