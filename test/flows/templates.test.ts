// Templates: shipped flows marked "template": true are listed with a preview; a flow saves as a new template.
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
  it('lists the shipped flows; the preview is the latest run\'s image output', async () => {
    const before = await (await http.api('/api/templates')).json();
    const ids = before.map((t: { id: string }) => t.id);
    expect(ids).toEqual(expect.arrayContaining(['compare-providers', 'generate-and-iterate', 'hat-to-3d', 'local-image-pipeline', 'segment-to-3d']));
    const pipeline = before.find((t: { id: string }) => t.id === 'local-image-pipeline');
    expect(pipeline).toMatchObject({ name: 'Local image pipeline', description: expect.stringContaining('offline'), inputs: ['width'], previewUrl: null });

    const run = await (await http.postJson('/api/runs?wait=1', { flowId: 'local-image-pipeline' })).json();
    const after = await (await http.api('/api/templates')).json();
    expect(after.find((t: { id: string }) => t.id === 'local-image-pipeline').previewUrl).toBe(run.outputs.cutout.url);
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
