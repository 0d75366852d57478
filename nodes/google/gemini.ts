import type { GenerateContentResponse, Part } from '@google/genai';
import { z } from 'zod';
import { defineNode } from '../api';
import { callProvider } from '../providers/deadline';
import { PROVIDER_CONCURRENCY_LIMIT, PROVIDER_RETRY, requirePrompt, seedParam, seedPinned, timeoutSecondsParam } from '../providers/params';
import { decodeBase64Image, storeGeneratedImage } from '../providers/store-image';
import { backendLabel, backendSecrets, createGoogleClient, loadGoogleSdk } from './client';
import { googlePreflight, isBackend, resolveGoogleBackend } from './config';
import { googleError } from './errors';
import { reportUsage, tokens } from '../providers/usage';

const REFUSALS = new Set(['SAFETY', 'IMAGE_SAFETY', 'PROHIBITED_CONTENT', 'IMAGE_PROHIBITED_CONTENT', 'BLOCKLIST', 'SPII', 'RECITATION', 'IMAGE_RECITATION']);

export const googleGemini = defineNode({
  type: 'google.gemini',
  title: 'Gemini image',
  category: 'providers',
  description:
    'Generates an image with a Gemini image model — or, with an image connected, iterates on it: edits or extends the previous image as the prompt says.',
  version: 1,
  inputs: {
    prompt: { type: 'text' },
    image: { type: 'image', optional: true, description: 'The image to iterate on' },
  },
  outputs: { image: { type: 'image' }, text: { type: 'text' } },
  params: z.object({
    model: z
      .string()
      .trim()
      .min(1)
      .default('gemini-2.5-flash-image')
      .meta({ examples: ['gemini-2.5-flash-image', 'gemini-3-pro-image-preview'] }),
    aspectRatio: z.enum(['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9']).optional(),
    seed: seedParam,
    timeoutSeconds: timeoutSecondsParam,
  }),
  deterministic: seedPinned,
  concurrency: { key: 'google', limit: PROVIDER_CONCURRENCY_LIMIT },
  retry: PROVIDER_RETRY,
  preflight: googlePreflight(false),
  async run(ctx, inputs, params) {
    const prompt = requirePrompt(inputs.prompt);
    const backend = resolveGoogleBackend(ctx.credentials, { vertexOnly: false });
    if (!isBackend(backend)) throw new Error(backend.message);
    ctx.setMeta({ backend: backendLabel(backend) });
    const parts: Part[] = [];
    if (inputs.image) {
      parts.push({ inlineData: { mimeType: inputs.image.mediaType, data: (await ctx.artifacts.read(inputs.image)).toString('base64') } });
    }
    parts.push({ text: prompt });
    const sdk = await loadGoogleSdk();
    const client = createGoogleClient(sdk, backend);
    const result = await callProvider(
      {
        provider: 'Gemini',
        signal: ctx.signal,
        timeoutSeconds: params.timeoutSeconds,
        mapError: (error) => googleError(error, sdk, backend, params.model, 'Gemini'),
        secrets: backendSecrets(backend),
      },
      async (signal) => {
        const stream = await client.models.generateContentStream({
          model: params.model,
          contents: [{ role: 'user', parts }],
          config: {
            responseModalities: ['TEXT', 'IMAGE'],
            ...(params.aspectRatio && { imageConfig: { aspectRatio: params.aspectRatio } }),
            ...(seedPinned(params) && { seed: params.seed }),
            abortSignal: signal,
            // Resuming dropped streams is a retry; retries belong to the engine.
            automaticContinuation: false,
          },
        });
        return collect(stream, (text) => ctx.progress(0.5, text ? `Gemini: ${text.slice(-120)}` : 'Gemini is answering'));
      },
    );
    if (!result.image) throw new Error(noImageReason(result));
    reportUsage(ctx, { provider: 'google', model: params.model, images: 1, inputTokens: result.inputTokens, outputTokens: result.outputTokens });
    const image = await storeGeneratedImage(ctx, decodeBase64Image(result.image, 'Gemini'), {
      prompt,
      provider: 'google',
      model: params.model,
      text: result.text || undefined,
      parent: inputs.image?.artifact,
    });
    return { image, text: result.text };
  },
});

interface Collected {
  text: string;
  image?: string;
  blockReason?: string;
  blockMessage?: string;
  finishReason?: string;
  finishMessage?: string;
  inputTokens?: number;
  outputTokens?: number;
}

async function collect(stream: AsyncIterable<GenerateContentResponse>, onText: (text: string) => void): Promise<Collected> {
  const out: Collected = { text: '' };
  for await (const chunk of stream) {
    if (chunk.promptFeedback?.blockReason) {
      out.blockReason = chunk.promptFeedback.blockReason;
      out.blockMessage = chunk.promptFeedback.blockReasonMessage;
    }
    // Each chunk's usage is the running total: the last one counts.
    if (chunk.usageMetadata) {
      out.inputTokens = tokens(chunk.usageMetadata.promptTokenCount) ?? out.inputTokens;
      out.outputTokens = tokens(chunk.usageMetadata.candidatesTokenCount) ?? out.outputTokens;
    }
    const candidate = chunk.candidates?.[0];
    if (candidate?.finishReason) out.finishReason = candidate.finishReason;
    if (candidate?.finishMessage) out.finishMessage = candidate.finishMessage;
    for (const part of candidate?.content?.parts ?? []) {
      if (part.thought) continue;
      if (part.text) out.text += part.text;
      if (part.inlineData?.data && part.inlineData.mimeType?.startsWith('image/')) out.image = part.inlineData.data;
    }
    onText(out.text);
  }
  return out;
}

function noImageReason(result: Collected): string {
  if (result.blockReason) {
    return `Gemini blocked the prompt (${result.blockReason})${result.blockMessage ? `: ${result.blockMessage}` : ''}`;
  }
  if (result.finishReason && REFUSALS.has(result.finishReason)) {
    return `Gemini refused to make the image for safety reasons (${result.finishReason})${result.finishMessage ? `: ${result.finishMessage}` : ''}`;
  }
  const said = result.text ? `; it said: ${result.text.slice(0, 300)}` : '';
  return `Gemini returned no image (finish reason ${result.finishReason ?? 'unknown'})${said}`;
}
