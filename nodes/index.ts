// The registry: adding a node type is one file plus one line here.
import type { AnyNodeDefinition, ProviderInfo } from './api';
import { textPrompt } from './core/text-prompt';
import { imageLoad } from './core/image-load';
import { imageResize } from './core/image-resize';
import { imageCrop } from './core/image-crop';
import { maskApply } from './core/mask-apply';
import { maskShape } from './core/mask-shape';
import { output } from './core/output';
import { sam2Segment } from './segment/segment';
import { lgm3d } from './threed/lgm-3d';

export const builtinNodes: AnyNodeDefinition[] = [
  textPrompt,
  imageLoad,
  imageResize,
  imageCrop,
  maskApply,
  maskShape,
  output,
  sam2Segment,
  lgm3d,
];

/** Provider families, for GET /api/providers. */
export const providers: ProviderInfo[] = [];
