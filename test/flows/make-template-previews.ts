// Makes the shipped templates' preview thumbnails (flows/assets/preview-<id>.png) from a real run of
// each template flow, and sets the flow's `preview` field. Provider nodes are answered by the local
// provider fakes (test/fakes), which here return the sample photos of flows/assets/ — so a preview
// shows what the flow does with images, not what a real provider would paint.
//   npx tsx test/flows/make-template-previews.ts [templateId …]
import { readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { isArtifact, type Artifact } from '../../model/artifact';
import { stringifyFlow, type Flow } from '../../model/flow';
import { startTestServer } from '../helpers/server';
import { startProviderFakes } from '../providers/harness';

export const PREVIEW_SIZE = 256;
export const PREVIEW_MAX_BYTES = 40 * 1024;
const TILE_GAP = 4;
const BACKGROUND = { r: 24, g: 24, b: 27, alpha: 1 };

/** The flow's image outputs in the order its `outputs` names them (at most four). */
function imageOutputs(flow: Flow, outputs: Record<string, unknown>): Artifact[] {
  return Object.keys(flow.outputs)
    .map((name) => outputs[name])
    .filter((v): v is Artifact => isArtifact(v) && v.mediaType.startsWith('image/'))
    .slice(0, 4);
}

/** One image fills the square; two sit side by side; three or four make a 2×2 grid. */
export async function contactSheet(images: Buffer[]): Promise<Buffer> {
  const cols = images.length === 1 ? 1 : 2;
  const rows = images.length <= 2 ? 1 : 2;
  const tileW = Math.floor((PREVIEW_SIZE - TILE_GAP * (cols - 1)) / cols);
  const tileH = rows === 1 && cols === 2 ? PREVIEW_SIZE : Math.floor((PREVIEW_SIZE - TILE_GAP * (rows - 1)) / rows);
  const layers = await Promise.all(
    images.map(async (bytes, i) => ({
      input: await sharp(bytes).resize(tileW, tileH, { fit: 'contain', background: BACKGROUND }).flatten({ background: BACKGROUND }).png().toBuffer(),
      left: (i % cols) * (tileW + TILE_GAP),
      top: Math.floor(i / cols) * (tileH + TILE_GAP),
    })),
  );
  const sheet = sharp({ create: { width: PREVIEW_SIZE, height: PREVIEW_SIZE, channels: 4, background: BACKGROUND } }).composite(layers);
  const flat = await sheet.png().toBuffer();
  // Fewer palette colours until it fits the size budget.
  for (const colours of [256, 128, 64, 32]) {
    const png = await sharp(flat).png({ palette: true, colours, compressionLevel: 9, effort: 10 }).toBuffer();
    if (png.length <= PREVIEW_MAX_BYTES) return png;
  }
  throw new Error(`the preview does not fit in ${PREVIEW_MAX_BYTES} bytes`);
}

async function main(only: string[]): Promise<void> {
  const fakes = await startProviderFakes();
  const astronaut = readFileSync('flows/assets/astronaut.png');
  const chelsea = readFileSync('flows/assets/chelsea.png');
  fakes.openai.options.image = await sharp(astronaut).resize(384, 384).png().toBuffer();
  fakes.google.options.image = await sharp(chelsea).resize(384, 256).png().toBuffer();
  fakes.hf.options.image = await sharp(astronaut).resize(384, 384).modulate({ hue: 180 }).jpeg().toBuffer();
  const server = await startTestServer({ env: fakes.env });
  try {
    const templates = (await (await fetch(`${server.url}/api/templates`)).json()) as Array<{ id: string }>;
    for (const { id } of templates) {
      if (only.length && !only.includes(id)) continue;
      const file = `flows/${id}.json`;
      const text = readFileSync(file, 'utf8');
      const flow = JSON.parse(text) as Flow;
      const res = await fetch(`${server.url}/api/runs?wait=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flowId: id }) });
      const run = (await res.json()) as { status: string; outputs: Record<string, unknown>; error?: string };
      if (run.status !== 'succeeded') throw new Error(`${id}: the run ${run.status}: ${run.error ?? JSON.stringify(run)}`);
      const artifacts = imageOutputs(flow, run.outputs);
      if (!artifacts.length) throw new Error(`${id}: the run made no image output`);
      const images = await Promise.all(artifacts.map(async (a) => Buffer.from(await (await fetch(`${server.url}${a.url}`)).arrayBuffer())));
      const name = `preview-${id}.png`;
      const png = await contactSheet(images);
      writeFileSync(`flows/assets/${name}`, png);
      const updated = stringifyFlow({ ...(JSON.parse(text) as Flow), preview: name });
      if (updated !== text) writeFileSync(file, updated);
      console.log(`${id}: ${name} (${artifacts.length} outputs, ${png.length} bytes)`);
    }
  } finally {
    await server.close();
    await fakes.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
