// Responses to the start-up GETs that index.html sends before this bundle loads. Each is taken
// once, by the first GET of its path; every later request fetches afresh.

declare global {
  interface Window {
    __atelierEarly?: Record<string, Promise<Response> | undefined>;
  }
}

export function takeEarlyResponse(method: string, path: string): Promise<Response> | undefined {
  const early = window.__atelierEarly;
  if (method !== 'GET' || !early?.[path]) return undefined;
  const response = early[path];
  early[path] = undefined;
  return response;
}
