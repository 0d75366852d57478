// Who may talk to the server at all: the Host a request names (DNS rebinding), the Origin of a
// state-changing request or WebSocket upgrade (CSRF, cross-site WebSocket), and the body's media type.
import { networkInterfaces } from 'node:os';
import type { MiddlewareHandler } from 'hono';
import { errorBody } from './errors';

export interface BoundAddress {
  host: string;
  port: number;
}

export interface TrustOptions {
  /** Where the server listens; undefined until it does. */
  bound: () => BoundAddress | undefined;
  /** ATELIER_ALLOWED_HOSTS: extra host names (or name:port) a request may name; "*" allows any. */
  allowedHosts?: string[];
  /** ATELIER_ALLOWED_ORIGINS: extra origins (scheme://host[:port]) allowed to change state. */
  allowedOrigins?: string[];
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Splits a comma-separated variable into trimmed, lower-cased entries. */
export function listVariable(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase().replace(/\/+$/, ''))
    .filter(Boolean);
}

const bracketed = (address: string) => (address.includes(':') && !address.startsWith('[') ? `[${address}]` : address);

/** Parses a Host header into a lower-case name (IPv6 in brackets) and its port, or undefined when malformed. */
export function parseHost(header: string): { name: string; port?: number } | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  if (!match) return undefined;
  return { name: match[1].toLowerCase(), ...(match[2] !== undefined ? { port: Number(match[2]) } : {}) };
}

function ownNames(bound: BoundAddress): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  if (WILDCARDS.has(bound.host)) {
    for (const list of Object.values(networkInterfaces())) for (const entry of list ?? []) names.add(bracketed(entry.address.toLowerCase()));
  } else names.add(bracketed(bound.host.toLowerCase()));
  return names;
}

export function hostAllowed(header: string | undefined, options: TrustOptions): boolean {
  const allowed = options.allowedHosts ?? [];
  if (allowed.includes('*')) return true;
  const host = header === undefined ? undefined : parseHost(header);
  if (!host) return false;
  if (allowed.includes(host.name) || (host.port !== undefined && allowed.includes(`${host.name}:${host.port}`))) return true;
  const bound = options.bound();
  if (!bound) return false;
  return (host.port ?? 80) === bound.port && ownNames(bound).has(host.name);
}

export function originAllowed(origin: string, hostHeader: string, options: TrustOptions): boolean {
  const normalized = origin.trim().toLowerCase();
  if ((options.allowedOrigins ?? []).includes(normalized)) return true;
  const host = hostHeader.trim().toLowerCase();
  return normalized === `http://${host}` || normalized === `https://${host}`;
}

export function isWebSocketUpgrade(headers: { header(name: string): string | undefined }): boolean {
  return headers.header('upgrade')?.toLowerCase() === 'websocket';
}

/** 403 host_not_allowed / origin_not_allowed before anything else runs (WebSocket upgrades included). */
export function trustGuard(options: TrustOptions): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host');
    if (!hostAllowed(host, options)) {
      return c.json(
        errorBody(
          'host_not_allowed',
          `this server does not answer to Host "${host ?? ''}"; open it as http://127.0.0.1:<port> or http://localhost:<port>, or list the name in ATELIER_ALLOWED_HOSTS (comma-separated)`,
        ),
        403,
      );
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && (STATE_CHANGING.has(c.req.method) || isWebSocketUpgrade(c.req)) && !originAllowed(origin, host!, options)) {
      return c.json(
        errorBody(
          'origin_not_allowed',
          `a page from ${JSON.stringify(origin.slice(0, 200))} may not ${isWebSocketUpgrade(c.req) ? 'open a WebSocket to' : 'change anything on'} this server; list that origin in ATELIER_ALLOWED_ORIGINS (comma-separated) to allow it`,
        ),
        403,
      );
    }
    await next();
  };
}

const UPLOAD_TYPES = /^(image\/[a-z0-9.+-]+|multipart\/form-data|application\/octet-stream)$/;

/** JSON routes take only application/json; upload routes only images, octet streams and multipart (415 otherwise). */
export function contentTypeGuard(uploadPaths: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    if (!STATE_CHANGING.has(c.req.method)) return next();
    const header = c.req.header('content-type');
    const mediaType = header?.split(';')[0].trim().toLowerCase();
    const hasBody = (c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding') !== undefined;
    if (uploadPaths.includes(c.req.path)) {
      if (mediaType !== undefined && UPLOAD_TYPES.test(mediaType)) return next();
      return c.json(
        errorBody('unsupported_media_type', `content-type: uploads take image/*, application/octet-stream or multipart/form-data, not ${JSON.stringify(header ?? '(none)')}`),
        415,
      );
    }
    if (mediaType === 'application/json' || (mediaType === undefined && !hasBody)) return next();
    return c.json(errorBody('unsupported_media_type', `content-type: this route takes application/json, not ${JSON.stringify(header ?? '(none)')}`), 415);
  };
}
