// Security headers on every answer; the editor's page gets a Content-Security-Policy that allows
// exactly what the built editor uses.
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

/** sha256 sources for the inline <script> blocks of the built index.html (the theme is set before first paint). */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    hashes.push(`'sha256-${createHash('sha256').update(match[1]).digest('base64')}'`);
  }
  return hashes;
}

/**
 * The editor's policy. Each exception is something the build needs: React Flow positions nodes with
 * style attributes ('unsafe-inline' styles); the 3D viewer (Spark) runs its sorter in a blob: worker
 * that compiles WebAssembly ('wasm-unsafe-eval') and reads the model from a blob: URL; thumbnails and
 * the favicon are data:/blob: images.
 */
export function editorPolicy(scriptHashes: string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval'${scriptHashes.map((h) => ` ${h}`).join('')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self' blob: data:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Anything that is not the editor's page: nothing may run from it, nothing may frame it. */
export const API_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox";

export function securityHeaders(options: { editorPolicy: string }): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set('x-content-type-options', 'nosniff');
    headers.set('referrer-policy', 'no-referrer');
    headers.set('x-frame-options', 'DENY');
    headers.set('cross-origin-opener-policy', 'same-origin');
    headers.set('cross-origin-resource-policy', 'same-origin');
    const html = headers.get('content-type')?.startsWith('text/html');
    headers.set('content-security-policy', html ? options.editorPolicy : API_POLICY);
  };
}
