// Provider output → artifact (media type sniffed from the bytes) + gallery entry with lineage.
import type { Artifact, GalleryEntryInput, NodeContext } from '../api';

const PROVIDER_TITLES: Record<string, string> = { openai: 'OpenAI', google: 'Google', huggingface: 'Hugging Face' };

export interface GeneratedImage {
  prompt: string;
  provider: string;
  model: string;
  /** Revised prompt or text the provider returned. */
  text?: string;
  /** Artifact hash of the image this one was made from (edit, iteration). */
  parent?: string;
}

/** Stores a provider's image and records it in the gallery; bytes that are no image fail clearly. */
export async function storeGeneratedImage(ctx: NodeContext, bytes: Uint8Array, meta: GeneratedImage): Promise<Artifact> {
  const artifact = await storeImageBytes(ctx, bytes, PROVIDER_TITLES[meta.provider] ?? meta.provider);
  const entry: GalleryEntryInput = { artifact, prompt: meta.prompt, provider: meta.provider, model: meta.model };
  if (meta.text) entry.text = meta.text;
  if (meta.parent) entry.parent = meta.parent;
  await ctx.gallery.add(entry);
  return artifact;
}

/** A partial image shown while the provider works; a broken preview is logged, never fatal. */
export async function showPreview(ctx: NodeContext, bytes: Uint8Array, fraction: number, message: string, provider: string): Promise<void> {
  try {
    ctx.progress(fraction, message, await storeImageBytes(ctx, bytes, provider));
  } catch (error) {
    ctx.log(`preview skipped: ${(error as Error).message}`);
    ctx.progress(fraction, message);
  }
}

async function storeImageBytes(ctx: NodeContext, bytes: Uint8Array, provider: string): Promise<Artifact> {
  if (bytes.byteLength === 0) throw new Error(`${provider} returned an empty image`);
  let artifact: Artifact;
  try {
    artifact = await ctx.artifacts.put(bytes);
  } catch (error) {
    throw new Error(`${provider} returned image bytes that cannot be decoded: ${(error as Error).message}`, { cause: error });
  }
  if (!artifact.mediaType.startsWith('image/')) {
    throw new Error(`${provider} returned ${bytes.byteLength} bytes that are not an image (PNG, JPEG, WebP or GIF expected)`);
  }
  return artifact;
}

export function decodeBase64Image(base64: string | undefined, provider: string): Buffer {
  if (!base64) throw new Error(`${provider} returned no image data`);
  return Buffer.from(base64, 'base64');
}
