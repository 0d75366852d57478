// One definition per operation: createRoute() declares the parameters, the request body and every
// answer; OpenAPIHono validates requests from it and /api/openapi.json is generated from it.
import { createRoute, OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Limiter } from '../engine/limiter';
import { ApiError } from './errors';
import { jsonProblem } from '../../model/json-limits';
import { ErrorSchema } from './schemas';

type Hook = NonNullable<ConstructorParameters<typeof OpenAPIHono>[0]>['defaultHook'];

/**
 * Validation failures keep the project's error shape: a body names each field (invalid_body with
 * details.issues); a path parameter or query gives the message its schema states (invalid_id, invalid_query).
 */
export const defaultHook: Hook = (result) => {
  if (result.success) return;
  const issues = result.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  if (result.target === 'param') throw new ApiError(400, 'invalid_id', issues[0].message);
  if (result.target === 'query') throw new ApiError(400, 'invalid_query', issues[0].message);
  throw new ApiError(400, 'invalid_body', `the request body is not valid: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { issues });
};

export const newApi = () => new OpenAPIHono({ defaultHook });
export type Api = OpenAPIHono;

/**
 * Runs before the body validator: the JSON text's limits (depth, string length, __proto__) and its
 * syntax, so these answer limit_exceeded and bad_json with the parser's message.
 */
export const jsonBody: MiddlewareHandler = async (c, next) => {
  // A large body becomes ~10× its size in objects once parsed: a few at a time, the others unread.
  if (Number(c.req.header('content-length')) >= LARGE_BODY_CHARS) await takeLargeBodySlot(c.req.raw);
  try {
    const text = await c.req.text();
    // A body of a large flow takes ~0.2 s per step (limits, parse, schema): other requests are answered
    // between the steps instead of after all of them.
    const large = text.length >= LARGE_BODY_CHARS;
    if (large) {
      largeBodies.add(c.req.raw);
      if (!slotReleases.has(c.req.raw)) await takeLargeBodySlot(c.req.raw); // sent without a length
    }
    const problem = jsonProblem(text);
    if (problem) {
      throw new ApiError(400, 'limit_exceeded', `${problem.field}: ${problem.message}`, { issues: [{ field: problem.field, message: problem.message }] });
    }
    if (large) await nextTurn();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ApiError(400, 'bad_json', `the request body is not valid JSON: ${(error as Error).message}`);
    }
    // The validator reads c.req.json(), which would parse the text (up to 64 MiB) a second time.
    c.req.json = () => (large ? nextTurn().then(() => parsed as never) : Promise.resolve(parsed as never));
    await next();
  } finally {
    largeBodyUsed(c);
  }
};

/** From this many characters a JSON body is checked, parsed and schema-checked in separate turns of the event loop. */
const LARGE_BODY_CHARS = 1 << 20;
const largeBodies = new WeakSet<Request>();

/**
 * Large JSON bodies read, parsed and used at once: 60 flows of 100,000 nodes (9.5 MB each) posted
 * together grew the server to 3.2 GB, with the API waiting over a minute behind them.
 */
export const LARGE_BODIES_AT_ONCE = Math.max(2, availableParallelism());
const largeBodySlots = new Limiter(LARGE_BODIES_AT_ONCE);
const slotReleases = new WeakMap<Request, () => void>();

async function takeLargeBodySlot(request: Request): Promise<void> {
  await largeBodySlots.acquire();
  let held = true;
  slotReleases.set(request, () => {
    if (held) largeBodySlots.release();
    held = false;
  });
}

/** Large bodies being read, parsed or used now. */
export const largeBodiesInProgress = () => largeBodySlots.taken;
/** Large bodies waiting for a slot now. */
export const largeBodiesWaiting = () => largeBodySlots.queued;

/**
 * A handler that goes on after it is done with its body (a ?wait=1 run waits for the run) gives the
 * large body's slot back first; otherwise the slot is given back once the handler has answered.
 */
export function largeBodyUsed(c: Context): void {
  slotReleases.get(c.req.raw)?.();
}

/** A handler's next step after the schema check gets its own turn when the body was large (see jsonBody). */
export async function turnAfterLargeBody(c: Context): Promise<void> {
  if (largeBodies.has(c.req.raw)) await nextTurn();
}

export const json = <S extends z.ZodType>(schema: S, description: string) => ({ description, content: { 'application/json': { schema } } });

export const error = (description: string) => json(ErrorSchema, description);

/** Bytes of the given media types. */
export const bytes = (mediaTypes: string[], description: string) => ({
  description,
  content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: z.string().openapi({ format: 'binary' }) }])),
});

/** A JSON request body, checked by jsonBody before the schema. */
export const jsonRequest = <S extends z.ZodType>(schema: S) => ({ required: true, content: { 'application/json': { schema } } });

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
export const imageTypes = () => [...IMAGE_TYPES];

/** Answers every operation can give, from the middleware in app.ts rather than the handler. */
function boundaryErrors(method: string, hasBody: boolean) {
  return {
    401: error('unauthorized: ATELIER_TOKEN is set and no Bearer token or session cookie came'),
    403: error('host_not_allowed (Host is not this server; see ATELIER_ALLOWED_HOSTS) or, for writes, origin_not_allowed (see ATELIER_ALLOWED_ORIGINS)'),
    500: error('internal: an unexpected error (the server log has the stack)'),
    503: error('store_unavailable: the database cannot be written (e.g. the disk is full)'),
    ...(method === 'get'
      ? {}
      : {
          413: error('too_large: the body passes the size limit'),
          415: error('unsupported_media_type: JSON routes take application/json only'),
          ...(hasBody ? { 400: error('bad_json, limit_exceeded or invalid_body: details.issues names each field') } : {}),
        }),
  };
}

/** createRoute with the boundary's answers added; a JSON body gets the jsonBody check. */
export function route<R extends RouteConfig>(config: R): R {
  const content = config.request?.body?.content as Record<string, unknown> | undefined;
  const takesJson = content !== undefined && 'application/json' in content;
  return createRoute({
    ...config,
    ...(takesJson ? { middleware: [jsonBody, ...[config.middleware ?? []].flat()] } : {}),
    responses: { ...boundaryErrors(config.method, content !== undefined), ...config.responses },
  });
}

/** A string path parameter whose failure message is the API's (answered as invalid_id). */
export const pathParam = (name: string, pattern: RegExp | undefined, message: string, description: string) =>
  z.object({
    [name]: (pattern ? z.string().regex(pattern, message) : z.string()).openapi({ param: { name, in: 'path' }, description }),
  });

export function generateDocument(app: OpenAPIHono): Record<string, unknown> {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'Atelier API', version: '1', description: 'Flows, runs, events and artifacts of the Atelier runtime. Errors are { error: { code, message, details? } }.' },
  }) as unknown as Record<string, unknown>;
}
