// Speaks what @huggingface/inference sends for text-to-image: the hub's provider-mapping lookup
// (GET /api/models/<id>?expand[]=inferenceProviderMapping), hf-inference on the router (JSON in,
// raw image bytes out) and together on the router (OpenAI-style JSON with b64_json).
import { HttpFake, bytes, json, type RecordedRequest } from './http-fake';

export interface HuggingFaceFakeOptions {
  token: string;
  image: Buffer;
  /** Content type hf-inference claims for its bytes (deliberately not trusted by Atelier). */
  contentType?: string;
  /** Model ids the hub knows; each is mapped to hf-inference and together. */
  models?: string[];
}

export interface HuggingFaceFake extends HttpFake {
  options: HuggingFaceFakeOptions;
  /** Requests that went to the inference router (not the hub). */
  inferenceRequests(): RecordedRequest[];
}

const DEFAULT_MODELS = ['black-forest-labs/FLUX.1-schnell', 'stabilityai/stable-diffusion-xl-base-1.0'];
export const TOGETHER_PROVIDER_ID = (model: string) => `${model}-together`;

export async function startHuggingFaceFake(options: HuggingFaceFakeOptions): Promise<HuggingFaceFake> {
  const models = () => options.models ?? DEFAULT_MODELS;
  const fake = new HttpFake(async (req, res) => {
    const path = decodeURIComponent(req.url.pathname);
    const lookup = /^\/api\/models\/(.+)$/.exec(path);
    // Like the hub: public model info may be read anonymously, but a wrong token is refused.
    const anonymousLookup = lookup && req.headers.authorization === undefined;
    if (!anonymousLookup && req.headers.authorization !== `Bearer ${options.token}`) {
      return json(res, 401, { error: 'Invalid credentials in Authorization header' });
    }
    if (req.method === 'GET' && lookup) {
      const id = lookup[1];
      if (!models().includes(id)) return json(res, 404, { error: 'Repository not found' });
      if (req.url.searchParams.get('expand[]') !== 'inferenceProviderMapping') return json(res, 400, { error: 'expand[] missing' });
      return json(res, 200, {
        _id: '0123456789abcdef01234567',
        id,
        inferenceProviderMapping: {
          'hf-inference': { status: 'live', providerId: id, task: 'text-to-image' },
          together: { status: 'live', providerId: TOGETHER_PROVIDER_ID(id), task: 'text-to-image' },
        },
      });
    }
    const hfInference = /^\/hf-inference\/models\/(.+)$/.exec(path);
    if (req.method === 'POST' && hfInference) {
      if (!models().includes(hfInference[1])) return json(res, 404, { error: `Model ${hfInference[1]} does not exist` });
      return bytes(res, 200, options.image, options.contentType ?? 'image/jpeg');
    }
    if (req.method === 'POST' && path === '/together/v1/images/generations') {
      const body = JSON.parse(req.body.toString('utf8'));
      return json(res, 200, {
        id: 'together-fake-1',
        model: body.model,
        object: 'list',
        data: [{ index: 0, b64_json: options.image.toString('base64'), type: null, timings: { inference: 0.2 } }],
      });
    }
    json(res, 404, { error: `Not Found: ${req.method} ${path}` });
  }) as HuggingFaceFake;
  fake.options = options;
  fake.inferenceRequests = () => fake.requests.filter((r) => !r.url.pathname.startsWith('/api/'));
  await fake.start();
  return fake;
}
