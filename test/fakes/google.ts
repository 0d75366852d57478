// Speaks the Gemini API (generateContent, streamGenerateContent SSE) and Vertex AI
// (:predict for Imagen, generateContent) in both express form (API key, no project in the path)
// and project form (projects/<p>/locations/<l>/…, bearer token checked against a service-account key).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { HttpFake, json, sse, type RecordedRequest } from './http-fake';

export interface GoogleFakeOptions {
  apiKey: string;
  /** Public key of the service account whose self-signed JWTs are accepted as bearer tokens. */
  serviceAccountPublicKey?: string;
  /** Images returned by :predict (one per requested sample, cycling) and by Gemini. */
  image: Buffer;
  text?: string;
}

export interface ParsedGoogleRequest {
  api: 'gemini' | 'vertex';
  version: string;
  project?: string;
  location?: string;
  model: string;
  method: string;
  auth: 'api-key' | 'bearer';
}

export interface GoogleFake extends HttpFake {
  options: GoogleFakeOptions;
  parse(req: RecordedRequest): ParsedGoogleRequest | undefined;
}

const PATH = /^\/(v1beta1|v1beta|v1)\/(?:projects\/([^/]+)\/locations\/([^/]+)\/)?(publishers\/google\/)?models\/([^/:]+):([A-Za-z]+)$/;

export async function startGoogleFake(options: GoogleFakeOptions): Promise<GoogleFake> {
  const fake = new HttpFake(async (req, res) => {
    const parsed = fake.parse(req);
    if (!parsed) return json(res, 404, { error: { code: 404, message: `no route for ${req.method} ${req.url.pathname}`, status: 'NOT_FOUND' } });
    if (parsed.auth === 'api-key' && req.headers['x-goog-api-key'] !== options.apiKey) {
      return json(res, 400, {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
        },
      });
    }
    if (parsed.auth === 'bearer' && !validBearer(String(req.headers.authorization ?? ''), options.serviceAccountPublicKey)) {
      return json(res, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
    }
    const body = JSON.parse(req.body.toString('utf8') || '{}');
    if (parsed.method === 'predict') {
      const count = body.parameters?.sampleCount ?? 1;
      const predictions = Array.from({ length: count }, () => ({
        bytesBase64Encoded: options.image.toString('base64'),
        mimeType: 'image/png',
        prompt: `${body.instances?.[0]?.prompt ?? ''}, enhanced`,
      }));
      return json(res, 200, { predictions });
    }
    const imagePart = { inlineData: { mimeType: 'image/png', data: options.image.toString('base64') } };
    const text = options.text ?? 'Here is your image.';
    if (parsed.method === 'generateContent') {
      return json(res, 200, {
        candidates: [{ content: { role: 'model', parts: [{ text }, imagePart] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1290, totalTokenCount: 1295 },
        modelVersion: parsed.model,
      });
    }
    if (parsed.method === 'streamGenerateContent') {
      const half = Math.ceil(text.length / 2);
      return sse(res, [
        { data: { candidates: [{ content: { role: 'model', parts: [{ text: text.slice(0, half) }] }, index: 0 }], modelVersion: parsed.model } },
        {
          data: {
            candidates: [{ content: { role: 'model', parts: [{ text: text.slice(half) }, imagePart] }, finishReason: 'STOP', index: 0 }],
            usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1290, totalTokenCount: 1295 },
            modelVersion: parsed.model,
          },
        },
      ]);
    }
    json(res, 400, { error: { code: 400, message: `unsupported method ${parsed.method}`, status: 'INVALID_ARGUMENT' } });
  }) as GoogleFake;
  fake.options = options;
  fake.parse = (req) => {
    const match = PATH.exec(req.url.pathname);
    if (!match || req.method !== 'POST') return undefined;
    const [, version, project, location, publisher, model, method] = match;
    return {
      api: publisher ? 'vertex' : 'gemini',
      version,
      project,
      location,
      model,
      method,
      auth: project ? 'bearer' : 'api-key',
    };
  };
  await fake.start();
  return fake;
}

/** Checks an RS256 JWT (what google-auth-library signs with a service-account key) against the public key. */
function validBearer(header: string, publicKeyPem: string | undefined): boolean {
  if (!publicKeyPem || !header.startsWith('Bearer ')) return false;
  const [head, payload, signature] = header.slice(7).split('.');
  if (!head || !payload || !signature) return false;
  const key: KeyObject = createPublicKey(publicKeyPem);
  return verify('RSA-SHA256', Buffer.from(`${head}.${payload}`), key, Buffer.from(signature, 'base64url'));
}

/** Decoded claims of the bearer JWT a request carried. */
export function bearerClaims(req: RecordedRequest): Record<string, unknown> {
  const token = String(req.headers.authorization ?? '').slice(7);
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}
