// Speaks the OpenAI Images API: /v1/images/generations (JSON or SSE with partial images)
// and /v1/images/edits (multipart, JSON or SSE). Checks the bearer key like the real service.
import type { ServerResponse } from 'node:http';
import { HttpFake, formData, json, sse, type RecordedRequest } from './http-fake';

export interface OpenAIFakeOptions {
  apiKey: string;
  /** Bytes of the final image. */
  image: Buffer;
  /** Bytes of each partial image sent while streaming (at most partial_images of them). */
  partials?: Buffer[];
  revisedPrompt?: string;
}

export interface OpenAIFake extends HttpFake {
  options: OpenAIFakeOptions;
  /** The parsed multipart fields of an edit request. */
  editForm(req: RecordedRequest): Promise<{ prompt: string; image: Buffer; mask?: Buffer; fields: Record<string, string> }>;
}

export async function startOpenAIFake(options: OpenAIFakeOptions): Promise<OpenAIFake> {
  const fake = new HttpFake(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return json(res, 401, {
        error: {
          message: `Incorrect API key provided: ${String(req.headers.authorization).slice(7, 12)}****. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
    }
    if (req.method === 'POST' && req.url.pathname === '/v1/images/generations') {
      const body = JSON.parse(req.body.toString('utf8'));
      return reply(res, 'image_generation', Boolean(body.stream), body.partial_images ?? 0, body.n ?? 1);
    }
    if (req.method === 'POST' && req.url.pathname === '/v1/images/edits') {
      const form = await formData(req);
      const partials = Number(form.get('partial_images') ?? 0);
      return reply(res, 'image_edit', form.get('stream') === 'true', partials, Number(form.get('n') ?? 1));
    }
    json(res, 404, { error: { message: `Invalid URL (${req.method} ${req.url.pathname})`, type: 'invalid_request_error' } });
  }) as OpenAIFake;
  fake.options = options;

  async function reply(res: ServerResponse, prefix: string, stream: boolean, partialCount: number, n: number) {
    const common = { background: 'opaque', created_at: 1764066662, output_format: 'png', quality: 'low', size: '1024x1024' };
    if (!stream) {
      const data = Array.from({ length: n }, () => ({ b64_json: options.image.toString('base64'), revised_prompt: options.revisedPrompt }));
      return json(res, 200, { created: 1764066662, data, usage: { total_tokens: 10, input_tokens: 5, output_tokens: 5 } });
    }
    const partials = (options.partials ?? []).slice(0, partialCount);
    await sse(res, [
      ...partials.map((bytes, index) => ({
        event: `${prefix}.partial_image`,
        data: { type: `${prefix}.partial_image`, b64_json: bytes.toString('base64'), partial_image_index: index, ...common },
      })),
      {
        event: `${prefix}.completed`,
        data: { type: `${prefix}.completed`, b64_json: options.image.toString('base64'), ...common, usage: { total_tokens: 10, input_tokens: 5, output_tokens: 5, input_tokens_details: { image_tokens: 0, text_tokens: 5 } } },
      },
    ]);
  }

  fake.editForm = async (req) => {
    const form = await formData(req);
    const image = form.get('image') as File | null;
    const mask = form.get('mask') as File | null;
    if (!image) throw new Error('the edit request has no image part');
    const fields: Record<string, string> = {};
    form.forEach((value, key) => {
      if (typeof value === 'string') fields[key] = value;
    });
    return {
      prompt: fields.prompt ?? '',
      image: Buffer.from(await image.arrayBuffer()),
      mask: mask ? Buffer.from(await mask.arrayBuffer()) : undefined,
      fields,
    };
  };
  await fake.start();
  return fake;
}
