// Which backend serves a GPU node (`auto` | `remote` | `local`), decided the same way for the cache
// key and for the run, so a result computed on the CPU is never keyed as a GPU one and vice versa.
//
//   local  → the CPU backend.
//   remote → the service at <ENV>_URL; waits for it (starting or warming) up to timeoutSeconds;
//            never falls back.
//   auto   → the service when <ENV>_URL is set and it answers: a warming service is waited for up
//            to timeoutSeconds; an absent or broken one (or one still warming at the deadline)
//            sends the work to the CPU, and the reason is logged and put in the node's meta.
import { NodeInputError, type Credentials } from '../api';
import { GpuServiceClient, GpuServiceError, type HealthProbe, type ServiceHealth } from './service-client';

export type BackendMode = 'auto' | 'remote' | 'local';

/** How long `auto` remembers giving up on a warming service (by URL). */
const GAVE_UP_MEMORY_MS = 60_000;
const gaveUpOn = new Map<string, number>();

export interface GpuServiceSpec {
  /** For messages: "SAM2". */
  name: string;
  /** The variable holding the service's base URL: "SAM2_URL". */
  envVar: string;
  /** The CPU backend's algorithm version: bump when its results change. */
  localAlgorithm: string;
}

export type BackendChoice =
  | { kind: 'remote'; client: GpuServiceClient; health: ServiceHealth; deadline: number }
  | { kind: 'local'; fallback?: string };

export interface ChoiceContext {
  credentials: Credentials;
  signal: AbortSignal;
  log(message: string): void;
}

export async function chooseBackend(spec: GpuServiceSpec, mode: BackendMode, timeoutSeconds: number, ctx: ChoiceContext): Promise<BackendChoice> {
  if (mode === 'local') return { kind: 'local' };
  const url = ctx.credentials.get(spec.envVar);
  if (!url) {
    if (mode === 'remote') {
      throw new NodeInputError(`backend "remote" needs ${spec.envVar} (the ${spec.name} service); it does not fall back — use "auto" or "local" to run on the CPU`, 'backend');
    }
    return { kind: 'local' };
  }
  const client = new GpuServiceClient({ name: spec.name, baseUrl: url });
  const deadline = Date.now() + timeoutSeconds * 1000;
  // `auto` waited for this service a moment ago and gave up: look once, do not wait again (the
  // node's cacheKey and its run both choose, and a batch of nodes should not each wait it out).
  const gaveUp = mode === 'auto' && (gaveUpOn.get(url) ?? 0) > Date.now();
  let told = false;
  const probe = await client.waitUntilReady(ctx.signal, gaveUp ? Date.now() : deadline, {
    // `remote` also waits for a service that is still starting (nothing listening yet).
    waitWhileAbsent: mode === 'remote',
    onWait: (p) => {
      if (told) return;
      told = true;
      ctx.log(`${spec.name} service at ${spec.envVar} is ${reasonOf(p)}; waiting up to ${timeoutSeconds} s for it`);
    },
  });
  if (probe.state === 'ready') {
    gaveUpOn.delete(url);
    return { kind: 'remote', client, health: probe.health, deadline };
  }
  if (mode === 'auto' && probe.state === 'warming' && !gaveUp) gaveUpOn.set(url, Date.now() + GAVE_UP_MEMORY_MS);
  const waited = gaveUp ? 'gave up waiting for it less than a minute ago' : `after ${timeoutSeconds} s`;
  const why = probe.state === 'broken' ? `unusable: ${probe.reason}` : probe.state === 'warming' ? `still ${probe.reason} ${waited}` : probe.reason;
  if (mode === 'remote') {
    throw new Error(`the ${spec.name} service at ${spec.envVar} is ${why}; backend "remote" does not fall back — use "auto" or "local" to run on the CPU`);
  }
  return fallBack(spec, ctx, `${spec.name} service at ${spec.envVar} is ${why}`);
}

/**
 * After the service kept failing a request, or refused it as too large (413: it never takes this
 * input, the CPU can): `auto` falls back to the CPU (saying why); `remote` and other failures (a bad
 * request) rethrow.
 */
export function fallBackAfterFailure(spec: GpuServiceSpec, mode: BackendMode, error: unknown, ctx: ChoiceContext): BackendChoice {
  if (mode !== 'auto' || !(error instanceof GpuServiceError) || ctx.signal.aborted) throw error;
  if (error.retryable) return fallBack(spec, ctx, `${spec.name} service kept failing (${error.message})`);
  if (error.status === 413) return fallBack(spec, ctx, `${spec.name} service cannot take this input (${error.message})`);
  throw error;
}

function fallBack(spec: GpuServiceSpec, ctx: ChoiceContext, reason: string): BackendChoice {
  const fallback = `${reason}: fell back to the local CPU backend`;
  ctx.log(fallback);
  return { kind: 'local', fallback };
}

/** The cache-key part naming the backend: the service's identity and model version, or the local algorithm. */
export function backendKey(spec: GpuServiceSpec, choice: BackendChoice): string {
  if (choice.kind === 'local') return `local:${spec.localAlgorithm}`;
  const { service, model, version } = choice.health;
  return `remote:${service}/${model}${version ? `@${version}` : ''}`;
}

/** Meta naming the service that ran. */
export function remoteMeta(health: ServiceHealth): Record<string, unknown> {
  return { backend: 'remote', model: health.model, device: health.device, ...(health.version ? { serviceVersion: health.version } : {}) };
}

function reasonOf(probe: HealthProbe): string {
  return probe.state === 'ready' ? 'ready' : probe.reason;
}
