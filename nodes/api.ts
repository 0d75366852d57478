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

/** The sample files under flows/assets/, by name (no paths). */
export interface AssetFiles {
  read(name: string): Promise<Buffer>;
  /** The file's SHA-256 (hex): for a cache key that changes when the file is edited in place. */
  sha256(name: string): Promise<string>;
}

export interface NodeContext {
  runId: string;
  nodeId: string;
  signal: AbortSignal;
  credentials: Credentials;
  artifacts: ArtifactStoreApi;
  /** Resolves once the entry and its file are kept; rejects when they cannot be (the disk is full). */
  gallery: { add(entry: GalleryEntryInput): Promise<void> };
  /** Reads a shipped sample file under flows/assets/ (names only, no paths). */
  assets: AssetFiles;
  /** fraction in 0..1; preview is an artifact shown while running (e.g. a partial image). After 20, at most 10 a second are sent (the latest wins). */
  progress(fraction: number, message?: string, preview?: Artifact): void;
  /** Facts about how the node ran (e.g. `{ backend: 'local' }`); they appear in node.finished and the run record. */
  setMeta(meta: Record<string, unknown>): void;
  /**
   * This result must not be cached: it is not what the cache key promised (e.g. `cacheKey` chose the
   * GPU service, which then failed mid-run, and the CPU served). Said in the node's meta and the log.
   */
  skipCache(reason: string): void;
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

/** Any JSON value: what a `json` port carries. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The value type of a port's data type. */
export interface PortValues {
  text: string;
  number: number;
  image: Artifact;
  mask: Artifact;
  model3d: Artifact;
  json: JsonValue;
  any: unknown;
}

export type PortSpecs = Record<string, PortSpec>;

/** An optional input port without a default: `run` may get undefined for it. */
type MayBeMissing<S> = S extends { optional: true } ? (S extends { default: NonNullable<unknown> | null } ? false : true) : false;

/** What a node's `run` receives: one value per input port; an optional input without a default may be undefined. */
export type InputsOf<I extends PortSpecs> = {
  [K in keyof I as MayBeMissing<I[K]> extends true ? never : K]: PortValues[I[K]['type']];
} & {
  [K in keyof I as MayBeMissing<I[K]> extends true ? K : never]?: PortValues[I[K]['type']];
};

/** What a node's `run` returns: every required output port, optional ones may be left out. */
export type OutputsOf<O extends PortSpecs> = {
  [K in keyof O as O[K] extends { optional: true } ? never : K]: PortValues[O[K]['type']];
} & {
  [K in keyof O as O[K] extends { optional: true } ? K : never]?: PortValues[O[K]['type']];
};

/** Untyped inputs: what the engine holds for any node. */
export type Inputs = Record<string, any>;
export type Outputs = Record<string, unknown>;

export interface NodeDefinition<P extends z.ZodType = z.ZodType, I extends PortSpecs = PortSpecs, O extends PortSpecs = PortSpecs> {
  type: string;
  title: string;
  category: string;
  description: string;
  version: number;
  inputs: I;
  outputs: O;
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
   * so a CPU fallback's result is never served for a GPU request. Called before the cache lookup of every
   * run; the string joins the cache key (nodes without it keep the plain key). May probe a service (honour
   * `ctx.signal`; keep it quick, it runs before every cache hit too); a throw fails the node.
   */
  cacheKey?: (params: z.infer<P>, ctx: CacheKeyContext) => string | Promise<string>;
  run(ctx: NodeContext, inputs: InputsOf<I>, params: z.infer<P>): Promise<OutputsOf<O>>;
}

export interface CacheKeyContext {
  credentials: Credentials;
  assets: AssetFiles;
  signal: AbortSignal;
  log(message: string): void;
}

/** Names the outputs `run` returns that no port declares, as a required property a node cannot supply. */
type NoUndeclaredOutputs<R, O> = [Exclude<keyof R, keyof O>] extends [never]
  ? unknown
  : { [K in Exclude<keyof R, keyof O> & string as `${K} is not a declared output`]: never };

/**
 * Identity function that types a node from its own declaration: `inputs` in `run` has one property per
 * input port (a misspelt port does not compile) and `run` must return exactly the declared outputs.
 */
export function defineNode<P extends z.ZodType, const I extends PortSpecs, const O extends PortSpecs, R extends OutputsOf<O>>(
  def: Omit<NodeDefinition<P, I, O>, 'run'> & { run(ctx: NodeContext, inputs: InputsOf<I>, params: z.infer<P>): Promise<R> } & NoUndeclaredOutputs<R, O>,
): NodeDefinition<P, I, O> {
  return def;
}

/** A node of any ports, as the engine and registry hold it. */
 
export type AnyNodeDefinition = NodeDefinition<z.ZodType<any>, PortSpecs, PortSpecs>;

/** What `GET /api/providers` reports for one provider family: configured or not, never the secret. */
export interface ProviderInfo {
  id: string; // e.g. "openai", "google", "huggingface"
  title: string;
  /** Which variables configure it now, or which are missing. Must not return any secret value. */
  status(credentials: Credentials): { configured: boolean; via?: string[]; missing?: string[]; baseUrl?: string };
}
