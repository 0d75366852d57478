// Which rich viewer a node gets, decided from its catalog entry and output values — never from
// its type name (DESIGN.md: "only rich viewers are chosen by port data type").
import { isArtifact, type Artifact } from '../../../model/artifact';
import type { Placement } from '../../../model/placement';
import type { CatalogNode, JsonSchema } from '../api/types';
import type { Catalog } from '../store/store';

/** A node that takes click prompts on an image: params `points: [{x, y, label}]` (+ optional 4-number `box`). */
export interface PointPromptCapability {
  imageInput: string;
  pointsParam: string;
  boxParam?: string;
  /** A boolean param asking for several candidate masks, and the param picking one. */
  multimaskParam?: string;
  pickParam?: string;
}

const props = (schema: JsonSchema | undefined) => schema?.properties ?? {};

function isPointList(schema: JsonSchema): boolean {
  if (schema.widget === 'points') return true;
  const item = props(schema.items);
  return schema.type === 'array' && 'x' in item && 'y' in item && 'label' in item;
}

function isBox(schema: JsonSchema): boolean {
  if (schema.widget === 'box') return true;
  const tuple = (schema as { prefixItems?: JsonSchema[] }).prefixItems;
  const variants = schema.anyOf ?? [schema];
  return variants.some((v) => {
    const items = (v as { prefixItems?: JsonSchema[] }).prefixItems ?? tuple;
    return v.type === 'array' && ((items?.length === 4 && items.every((i) => i.type === 'number')) || (v.minItems === 4 && v.maxItems === 4));
  });
}

export function pointPromptCapability(spec: CatalogNode | undefined): PointPromptCapability | null {
  if (!spec) return null;
  const imageInput = Object.entries(spec.inputs).find(([, p]) => p.type === 'image')?.[0];
  const params = props(spec.params);
  const pointsParam = Object.entries(params).find(([, s]) => isPointList(s))?.[0];
  if (!imageInput || !pointsParam) return null;
  const boxParam = Object.entries(params).find(([, s]) => isBox(s))?.[0];
  const multimaskParam = 'multimask' in params && params.multimask.type === 'boolean' ? 'multimask' : undefined;
  const pickParam = 'pick' in params ? 'pick' : undefined;
  return { imageInput, pointsParam, ...(boxParam && { boxParam }), ...(multimaskParam && { multimaskParam }), ...(pickParam && { pickParam }) };
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

/**
 * The catalog node that loads a stored image: no inputs, an image output, and a param holding a
 * sha256 artifact hash (its JSON Schema pattern). Gallery images open through it.
 */
export function imageLoader(catalog: Catalog | null): { type: string; param: string } | null {
  for (const spec of catalog?.nodes ?? []) {
    if (Object.keys(spec.inputs).length) continue;
    if (!Object.values(spec.outputs).some((p) => p.type === 'image')) continue;
    const param = Object.entries(props(spec.params)).find(([, s]) => s.type === 'string' && /\[0-9a-f\]\{64\}/.test(s.pattern ?? ''))?.[0];
    if (param) return { type: spec.type, param };
  }
  return null;
}

export function asArtifact(value: unknown): Artifact | undefined {
  return isArtifact(value) ? value : undefined;
}
