// The node API: the only thing a node file may import from Atelier.
// Nodes are declarative data plus one async `run` function (see DESIGN.md "Node definition").
import type { z } from 'zod';

export { ARTIFACT_TYPES, DATA_TYPES, isArtifact, type Artifact, type DataType, type PortSpec } from '../model/artifact';
import type { Artifact, PortSpec } from '../model/artifact';

export interface ArtifactStoreApi {
  /** Stores bytes as they are; the media type is sniffed from the bytes (the hint is used only when sniffing fails). */
  put(bytes: Uint8Array, hint?: { mediaType?: string }): Promise<Artifact>;
  read(artifact: Artifact | string): Promise<Buffer>;
  /** The handle of an already stored artifact, or undefined. */
  get(hash: string): Artifact | undefined;
}

export interface GalleryEntryInput {
  artifact: Artifact;
  prompt?: string;
  provider?: string;
  model?: string;
  /** Revised prompt or text returned by the provider. */
  text?: string;
  /** Hash of the image this one was made from (edits, iterations): the lineage. */
  parent?: string;
}

export interface Credentials {
  /** Reads a variable from the environment or `.env`. Never log or return what it gives. */
  get(name: string): string | undefined;
}

export interface NodeContext {
  runId: string;
  nodeId: string;
  signal: AbortSignal;
  credentials: Credentials;
  artifacts: ArtifactStoreApi;
  gallery: { add(entry: GalleryEntryInput): void };
  /** Reads a shipped sample file under flows/assets/ (names only, no paths). */
  assets: { read(name: string): Promise<Buffer> };
  /** fraction in 0..1; preview is an artifact shown while running (e.g. a partial image). */
  progress(fraction: number, message?: string, preview?: Artifact): void;
  /** Facts about how the node ran (e.g. `{ backend: 'local' }`); they appear in node.finished and the run record. */
  setMeta(meta: Record<string, unknown>): void;
  log(message: string): void;
}

export interface RetryPolicy {
  /** Total attempts, including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs?: number;
  /** Decides whether an error may succeed later; default: errors marked `retryable`. */
  retryable?: (error: unknown) => boolean;
}

/** Thrown by nodes for failures that can succeed later; `retryAfterMs` honours a server's retry-after. */
export class RetryableError extends Error {
  readonly retryable = true;
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableError';
  }
}

/** A failure caused by the user's input; its message is shown as is, with the offending field. */
export class NodeInputError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'NodeInputError';
  }
}

export type Inputs = Record<string, any>;
export type Outputs = Record<string, unknown>;

export interface NodeDefinition<P extends z.ZodType = z.ZodType> {
  type: string;
  title: string;
  category: string;
  description: string;
  version: number;
  inputs: Record<string, PortSpec>;
  outputs: Record<string, PortSpec>;
  params: P;
  /** false for providers unless a seed is pinned; decides caching. */
  deterministic: boolean | ((params: z.infer<P>) => boolean);
  /** Nodes sharing a key share one concurrency limit (e.g. all OpenAI nodes). Default key: the node type. */
  concurrency?: { key?: string; limit: number };
  retry?: RetryPolicy;
  /** This node's output `port` is a result of the flow, named by its `nameParam` param (or the node id). */
  flowOutput?: { port: string; nameParam?: string };
  /** Problems found before the run starts, e.g. a missing API key (name the variable). */
  preflight?: (params: z.infer<P>, credentials: Credentials) => Array<{ field: string; message: string }>;
  /**
   * What the result depends on beyond type, version, params and inputs (ComfyUI's IS_CHANGED): e.g. the
   * backend that will serve — a GPU service's identity and model version, or `local:<algorithm version>` —
   * so a CPU fallback's result is never served for a GPU request. Called before the cache lookup; the
   * string joins the cache key. May probe a service (honour `ctx.signal`); a throw fails the node.
   */
  cacheKey?: (params: z.infer<P>, ctx: CacheKeyContext) => string | Promise<string>;
  run(ctx: NodeContext, inputs: Inputs, params: z.infer<P>): Promise<Outputs>;
}

export interface CacheKeyContext {
  credentials: Credentials;
  signal: AbortSignal;
  log(message: string): void;
}

/** Identity function that keeps `params` typed inside `run`. */
export function defineNode<P extends z.ZodType>(def: NodeDefinition<P>): NodeDefinition<P> {
  return def;
}

export type AnyNodeDefinition = NodeDefinition<z.ZodType>;

/** What `GET /api/providers` reports for one provider family: configured or not, never the secret. */
export interface ProviderInfo {
  id: string; // e.g. "openai", "google", "huggingface"
  title: string;
  /** Which variables configure it now, or which are missing. Must not return any secret value. */
  status(credentials: Credentials): { configured: boolean; via?: string[]; missing?: string[]; baseUrl?: string };
}
