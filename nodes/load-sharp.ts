// sharp (libvips), imported on a node's first image operation: loading its native library is a good
// share of a cold start, and the catalog, `atelier validate` and a server start never need it.
import type Sharp from 'sharp';

export type SharpFactory = typeof Sharp;

export async function loadSharp(): Promise<SharpFactory> {
  return (await import('sharp')).default;
}
