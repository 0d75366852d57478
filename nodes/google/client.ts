// The official @google/genai client for a resolved backend. Everything is passed explicitly
// (values from .env never reach process.env), and SDK retries stay off: the engine retries.
import type { GoogleGenAI, GoogleGenAIOptions } from '@google/genai';
import type { Credentials, ProviderInfo } from '../api';
import { type GoogleBackend, googleStatus } from './config';

export type GoogleSdk = typeof import('@google/genai');

/** The SDK, imported on a node's first request: the catalog and `atelier validate` never load it. */
export function loadGoogleSdk(): Promise<GoogleSdk> {
  return import('@google/genai');
}

export function createGoogleClient(sdk: GoogleSdk, backend: GoogleBackend): GoogleGenAI {
  const httpOptions = backend.baseUrl ? { baseUrl: backend.baseUrl } : {};
  const options: GoogleGenAIOptions =
    backend.kind === 'gemini-api'
      ? { vertexai: false, apiKey: backend.apiKey, httpOptions }
      : backend.kind === 'vertex-express'
        ? { vertexai: true, apiKey: backend.apiKey, httpOptions }
        : {
            vertexai: true,
            project: backend.project,
            location: backend.location,
            httpOptions,
            ...(backend.credentialsFile && { googleAuthOptions: { keyFilename: backend.credentialsFile } }),
          };
  return new sdk.GoogleGenAI(options);
}

/** Secrets to scrub from errors for this backend. */
export function backendSecrets(backend: GoogleBackend): string[] {
  return backend.kind === 'vertex-project' ? [] : [backend.apiKey];
}

export function backendLabel(backend: GoogleBackend): string {
  return backend.kind === 'gemini-api' ? 'Gemini API' : backend.kind === 'vertex-express' ? 'Vertex AI (express mode)' : 'Vertex AI';
}

export const googleProvider: ProviderInfo = {
  id: 'google',
  title: 'Google (Gemini, Imagen)',
  status: (credentials: Credentials) => googleStatus(credentials),
};
