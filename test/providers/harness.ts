// Every provider fake started together, plus the env that points the real SDKs at them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGoogleFake, type GoogleFake } from '../fakes/google';
import { writeServiceAccountFile } from '../fakes/google-credentials';
import { startHuggingFaceFake, type HuggingFaceFake } from '../fakes/huggingface';
import { solidPng } from '../fakes/images';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai';

export const SECRETS = {
  OPENAI_API_KEY: 'sk-e2e-openai-secret-0123456789',
  GEMINI_API_KEY: 'AIza-e2e-gemini-secret-0123456789',
  HF_TOKEN: 'hf_e2eHuggingFaceSecret0123456789',
};

export interface ProviderFakes {
  openai: OpenAIFake;
  google: GoogleFake;
  hf: HuggingFaceFake;
  images: { openai: Buffer; google: Buffer; hf: Buffer; partial: Buffer };
  /** Env for the Gemini API + Vertex project mode (Imagen) + OpenAI + Hugging Face, all on the fakes. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startProviderFakes(): Promise<ProviderFakes> {
  const keyDir = mkdtempSync(join(tmpdir(), 'atelier-e2e-sa-'));
  const serviceAccount = writeServiceAccountFile(keyDir, 'atelier-e2e');
  const images = {
    openai: await solidPng(32, 32, [220, 20, 20]),
    google: await solidPng(32, 32, [20, 220, 20]),
    hf: await solidPng(32, 32, [20, 20, 220]),
    partial: await solidPng(32, 32, [128, 128, 128]),
  };
  const openai = await startOpenAIFake({ apiKey: SECRETS.OPENAI_API_KEY, image: images.openai, partials: [images.partial] });
  const google = await startGoogleFake({ apiKey: SECRETS.GEMINI_API_KEY, image: images.google, serviceAccountPublicKey: serviceAccount.publicKey });
  const hf = await startHuggingFaceFake({ token: SECRETS.HF_TOKEN, image: images.hf });
  const env = {
    ...SECRETS,
    OPENAI_BASE_URL: `${openai.url}/v1`,
    GOOGLE_GEMINI_BASE_URL: google.url,
    GOOGLE_CLOUD_PROJECT: 'atelier-e2e',
    GOOGLE_CLOUD_LOCATION: 'us-central1',
    GOOGLE_APPLICATION_CREDENTIALS: serviceAccount.path,
    GOOGLE_VERTEX_BASE_URL: google.url,
    HF_BASE_URL: hf.url,
  };
  return {
    openai,
    google,
    hf,
    images,
    env,
    async close() {
      await Promise.all([openai.close(), google.close(), hf.close()]);
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}
