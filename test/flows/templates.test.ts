// Templates: shipped flows marked "template": true are listed with a preview (a shipped thumbnail, else
// the latest run's image output); a flow saves as a new template.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server';
import { client, shippedFlow } from './helpers';

let server: TestServer;
let http: ReturnType<typeof client>;
beforeAll(async () => {
  server = await startTestServer();
  http = client(server.url);
});
afterAll(() => server.close());

describe('templates', () => {
  it('every shipped template has a small shipped preview image, served before any run', async () => {
    const shipped = readdirSync('flows').filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    const listed = await (await http.api('/api/templates')).json();
    const ids = listed.map((t: { id: string }) => t.id);
    expect(ids).toEqual(expect.arrayContaining(['compare-providers', 'generate-and-iterate', 'hat-to-3d', 'local-image-pipeline', 'segment-to-3d']));
    expect(listed.find((t: { id: string }) => t.id === 'local-image-pipeline')).toMatchObject({ name: 'Local image pipeline', description: expect.stringContaining('offline'), inputs: ['width'] });
    for (const id of shipped.filter((id) => shippedFlow(id).template)) {
      const preview = shippedFlow(id).preview;
      expect(preview, `${id} has no preview`).toMatch(/\.png$/);
      const file = `flows/assets/${preview}`;
      expect(statSync(file).size, file).toBeLessThanOrEqual(40 * 1024);
      const meta = await sharp(readFileSync(file)).metadata();
      expect([meta.format, meta.width, meta.height], file).toEqual(['png', 256, 256]);
      const entry = listed.find((t: { id: string }) => t.id === id);
      expect(entry.previewUrl).toBe(`/api/templates/${id}/preview`);
      const served = await http.api(entry.previewUrl);
      expect(served.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await served.arrayBuffer()).equals(readFileSync(file))).toBe(true);
    }
    expect(readFileSync('flows/assets/LICENSE.md', 'utf8')).toContain('preview-<flow id>.png');
  });

  it('a template without a shipped preview shows its latest run\'s image output', async () => {
    const flow = { ...shippedFlow('local-image-pipeline'), preview: undefined };
    const res = await http.postJson('/api/templates', { flow, name: 'Unpreviewed cutout' });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    const before = (await (await http.api('/api/templates')).json()).find((t: { id: string }) => t.id === id);
    expect(before.previewUrl).toBeNull();
    const run = await (await http.postJson('/api/runs?wait=1', { flowId: id })).json();
    const after = (await (await http.api('/api/templates')).json()).find((t: { id: string }) => t.id === id);
    expect(after.previewUrl).toBe(run.outputs.cutout.url);
  });

  it('saves a flow as a new template with a shipped preview image', async () => {
    const flow = { ...shippedFlow('local-image-pipeline'), template: false, preview: 'chelsea.png' };
    const res = await http.postJson('/api/templates', { flow, name: 'Cat cutout', description: 'A cat, cut out' });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    expect(id).toBe('cat-cutout');
    const saved = await (await http.api(`/api/flows/${id}`)).json();
    expect(saved).toMatchObject({ template: true, name: 'Cat cutout', revision: 1 });
    const listed = (await (await http.api('/api/templates')).json()).find((t: { id: string }) => t.id === id);
    expect(listed.previewUrl).toBe(`/api/templates/${id}/preview`);
    const preview = await http.api(listed.previewUrl);
    expect(preview.headers.get('content-type')).toBe('image/png');
    expect((await http.api('/api/templates/nope-nope/preview')).status).toBe(404);
  });
});
