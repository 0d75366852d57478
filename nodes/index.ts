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
import { openaiImage } from './openai/image';
import { openaiEdit } from './openai/edit';
import { openaiProvider } from './openai/client';
import { googleImagen } from './google/imagen';
import { googleGemini } from './google/gemini';
import { googleProvider } from './google/client';
import { hfTextToImage } from './huggingface/text-to-image';
import { huggingFaceProvider } from './huggingface/client';

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
  openaiImage,
  openaiEdit,
  googleImagen,
  googleGemini,
  hfTextToImage,
];

/** Provider families, for GET /api/providers. */
export const providers: ProviderInfo[] = [openaiProvider, googleProvider, huggingFaceProvider];
