// Which Google backend a node talks to, resolved from ctx.credentials with the SDK's own variables:
// the Gemini API (API key), Vertex AI express mode (API key) or Vertex AI with a project and ADC.
import { existsSync } from 'node:fs';
import type { Credentials } from '../api';
import { displayUrl, firstSet, isTrue, missingVariable, type PreflightIssue } from '../providers/credential-check';

export type GoogleBackend =
  | { kind: 'gemini-api'; apiKey: string; keyVariable: string; baseUrl?: string }
  | { kind: 'vertex-express'; apiKey: string; keyVariable: string; baseUrl?: string }
  | { kind: 'vertex-project'; project: string; location: string; credentialsFile?: string; baseUrl?: string };

export const DEFAULT_VERTEX_LOCATION = 'us-central1';
const API_KEY_VARIABLES = ['GOOGLE_API_KEY', 'GEMINI_API_KEY']; // the SDK prefers GOOGLE_API_KEY when both are set

/** `vertexOnly`: Imagen runs only on Vertex AI, whatever GOOGLE_GENAI_USE_VERTEXAI says. */
export function resolveGoogleBackend(credentials: Credentials, options: { vertexOnly: boolean }): GoogleBackend | PreflightIssue {
  const useVertex = options.vertexOnly || isTrue(credentials.get('GOOGLE_GENAI_USE_VERTEXAI'));
  const key = firstSet(credentials, ...API_KEY_VARIABLES);
  if (!useVertex) {
    if (!key) {
      return missingVariable(
        'GEMINI_API_KEY',
        'Gemini needs an API key (GEMINI_API_KEY or GOOGLE_API_KEY), or GOOGLE_GENAI_USE_VERTEXAI=true with GOOGLE_CLOUD_PROJECT for Vertex AI',
      );
    }
    return { kind: 'gemini-api', apiKey: key.value, keyVariable: key.name, baseUrl: credentials.get('GOOGLE_GEMINI_BASE_URL') };
  }
  const baseUrl = credentials.get('GOOGLE_VERTEX_BASE_URL');
  const project = credentials.get('GOOGLE_CLOUD_PROJECT');
  if (project) {
    const credentialsFile = credentials.get('GOOGLE_APPLICATION_CREDENTIALS');
    if (credentialsFile && !existsSync(credentialsFile)) {
      return { field: 'credentials', message: 'GOOGLE_APPLICATION_CREDENTIALS names a file that does not exist' };
    }
    return { kind: 'vertex-project', project, location: credentials.get('GOOGLE_CLOUD_LOCATION') ?? DEFAULT_VERTEX_LOCATION, credentialsFile, baseUrl };
  }
  if (key) return { kind: 'vertex-express', apiKey: key.value, keyVariable: key.name, baseUrl };
  return missingVariable(
    'GOOGLE_CLOUD_PROJECT',
    `${options.vertexOnly ? 'Imagen runs on Vertex AI, which' : 'Vertex AI'} needs GOOGLE_CLOUD_PROJECT (with Application Default Credentials) or GOOGLE_API_KEY (Vertex AI express mode)`,
  );
}

export function isBackend(value: GoogleBackend | PreflightIssue): value is GoogleBackend {
  return 'kind' in value;
}

export function googlePreflight(vertexOnly: boolean) {
  return (_params: unknown, credentials: Credentials): PreflightIssue[] => {
    const resolved = resolveGoogleBackend(credentials, { vertexOnly });
    return isBackend(resolved) ? [] : [resolved];
  };
}

/** For GET /api/providers: the variables in use, never their values. */
export function googleStatus(credentials: Credentials) {
  const gemini = resolveGoogleBackend(credentials, { vertexOnly: false });
  const vertex = resolveGoogleBackend(credentials, { vertexOnly: true });
  const chosen = isBackend(gemini) ? gemini : isBackend(vertex) ? vertex : undefined;
  if (!chosen) {
    return { configured: false, missing: ['GEMINI_API_KEY', 'GOOGLE_CLOUD_PROJECT'] };
  }
  const via =
    chosen.kind === 'vertex-project'
      ? ['GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_LOCATION', 'GOOGLE_APPLICATION_CREDENTIALS'].filter((n) => credentials.get(n))
      : [chosen.keyVariable];
  if (chosen.kind !== 'gemini-api' && isTrue(credentials.get('GOOGLE_GENAI_USE_VERTEXAI'))) via.unshift('GOOGLE_GENAI_USE_VERTEXAI');
  if (chosen.baseUrl) via.push(chosen.kind === 'gemini-api' ? 'GOOGLE_GEMINI_BASE_URL' : 'GOOGLE_VERTEX_BASE_URL');
  const baseUrl = displayUrl(chosen.baseUrl);
  return { configured: true, via, ...(baseUrl && { baseUrl }) };
}
