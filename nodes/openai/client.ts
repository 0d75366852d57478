// The official OpenAI client, configured only from ctx.credentials, with its own retries off
// (the engine retries, so attempts and backoff are counted in one place).
import type OpenAI from 'openai';
import type { Credentials, ProviderInfo } from '../api';
import { displayUrl, missingVariable, type PreflightIssue } from '../providers/credential-check';

export const OPENAI_KEY = 'OPENAI_API_KEY';
export const OPENAI_BASE_URL = 'OPENAI_BASE_URL';

export type OpenAISdk = typeof import('openai');

/** The SDK, imported on a node's first request: the catalog and `atelier validate` never load it. */
export function loadOpenAISdk(): Promise<OpenAISdk> {
  return import('openai');
}

export function createOpenAIClient(sdk: OpenAISdk, credentials: Credentials): OpenAI {
  const apiKey = credentials.get(OPENAI_KEY);
  if (!apiKey) throw new Error(`${OPENAI_KEY} is not set`);
  return new sdk.default({
    apiKey,
    baseURL: credentials.get(OPENAI_BASE_URL) ?? 'https://api.openai.com/v1',
    organization: credentials.get('OPENAI_ORG_ID') ?? null,
    project: credentials.get('OPENAI_PROJECT_ID') ?? null,
    maxRetries: 0,
  });
}

export function openaiPreflight(_params: unknown, credentials: Credentials): PreflightIssue[] {
  return credentials.get(OPENAI_KEY) ? [] : [missingVariable(OPENAI_KEY, 'OpenAI image nodes need an OpenAI API key')];
}

export const openaiProvider: ProviderInfo = {
  id: 'openai',
  title: 'OpenAI',
  status(credentials) {
    const baseUrl = displayUrl(credentials.get(OPENAI_BASE_URL));
    if (!credentials.get(OPENAI_KEY)) return { configured: false, missing: [OPENAI_KEY], ...(baseUrl && { baseUrl }) };
    return { configured: true, via: baseUrl ? [OPENAI_KEY, OPENAI_BASE_URL] : [OPENAI_KEY], ...(baseUrl && { baseUrl }) };
  },
};
