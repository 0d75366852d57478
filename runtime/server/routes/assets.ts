// GET /api/assets: the sample images shipped under flows/assets/ (PNG, JPEG, WebP), and
// GET /api/assets/:name their bytes. Names only: nothing outside that folder can be read (readAsset).
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { z } from '@hono/zod-openapi';
import type { Atelier } from '../../atelier';
import { readAsset } from '../../assets';
import { sniffMediaType } from '../../store/sniff';
import { ApiError } from '../errors';
import { bytes, error, json, newApi, pathParam, route, type Api } from '../openapi';
import { AssetSchema } from '../schemas';

const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.(png|jpe?g|webp)$/i;
const MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp'];
/** More files than a sample folder ever holds: the listing stops there. */
const MAX_LISTED = 1000;

const list = route({
  method: 'get',
  path: '/',
  summary: 'The sample images shipped under flows/assets/ (PNG, JPEG, WebP), by name',
  responses: { 200: json(z.array(AssetSchema), 'every image asset: its name, URL and size in bytes') },
});

const get = route({
  method: 'get',
  path: '/{name}',
  summary: 'An asset\'s bytes',
  request: { params: pathParam('name', IMAGE_NAME, 'an asset name is a file name under flows/assets/ ending in .png, .jpg, .jpeg or .webp', 'file name under flows/assets/') },
  responses: {
    200: bytes(MEDIA_TYPES, 'the image'),
    400: error('invalid_id: not an image file name'),
    404: error('not_found: no such image under flows/assets/'),
  },
});

export function assetRoutes(atelier: Atelier): Api {
  const app = newApi();
  const dir = join(atelier.flows.dir, 'assets');

  app.openapi(list, async (c) => {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((name) => IMAGE_NAME.test(name) && !name.includes('..')).sort().slice(0, MAX_LISTED);
    } catch {
      return c.json([], 200); // no flows/assets/ folder: nothing shipped
    }
    const root = await realpath(dir);
    const assets = [];
    for (const name of names) {
      const real = await realpath(join(dir, name)).catch(() => undefined);
      if (!real?.startsWith(root + sep)) continue;
      const info = await stat(real);
      if (info.isFile()) assets.push({ name, url: `/api/assets/${encodeURIComponent(name)}`, bytes: info.size });
    }
    return c.json(assets, 200);
  });

  app.openapi(get, async (c) => {
    const { name } = c.req.valid('param');
    const data = await readAsset(dir, name).catch((error: Error) => {
      throw new ApiError(404, 'not_found', error.message);
    });
    const mediaType = sniffMediaType(data);
    if (!mediaType || !MEDIA_TYPES.includes(mediaType)) throw new ApiError(404, 'not_found', `asset "${name}" is not a PNG, JPEG or WebP image`);
    return c.body(new Uint8Array(data), 200, { 'content-type': mediaType, 'cache-control': 'no-cache' });
  });
  return app;
}
