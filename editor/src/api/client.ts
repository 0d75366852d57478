// The runtime's HTTP API. A `?token=` in the page URL is passed on as a Bearer token
// (and as `?token=` where headers cannot be set: WebSocket and <img> URLs).
import type { Flow } from '../../../model/flow';
import { takeEarlyResponse } from './early';
import type { Artifact, CatalogResponse, FlowSummary, RunRecord, RunSummary, RunTarget } from './types';

export const apiToken: string | undefined = new URLSearchParams(location.search).get('token') ?? undefined;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: any,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A request body sent as it is (uploads), instead of as JSON. */
export class RawBody {
  constructor(
    readonly body: BodyInit,
    readonly contentType: string,
  ) {}
}

/** The editor's one fetch wrapper: token, JSON in, errors as ApiError naming the request. */
async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  let payload: BodyInit | undefined;
  if (body instanceof RawBody) {
    headers['content-type'] = body.contentType;
    payload = body.body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (apiToken) headers.authorization = `Bearer ${apiToken}`;
  let res: Response;
  try {
    res = await (takeEarlyResponse(method, path) ?? fetch(path, { method, headers, body: payload }));
  } catch (error) {
    throw new ApiError(0, 'network', `${method} ${path}: the server cannot be reached (${(error as Error).message})`);
  }
  if (!res.ok) {
    const err = (parseJson(await res.text()) as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? `${method} ${path} failed with HTTP ${res.status}`, err?.details);
  }
  return res;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON request: the answer parsed. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  return parseJson(await res.text()) as T;
}

/** A GET of bytes (a 3D model, an image): the body as it is. */
export async function requestBytes(path: string): Promise<Uint8Array> {
  const res = await send('GET', path);
  return new Uint8Array(await res.arrayBuffer());
}

const enc = encodeURIComponent;

export const api = {
  catalog: async (): Promise<CatalogResponse> => ({ nodes: await request<CatalogResponse['nodes']>('GET', '/api/nodes') }),
  listFlows: async () => ({ flows: await request<FlowSummary[]>('GET', '/api/flows') }),
  getFlow: (id: string) => request<Flow>('GET', `/api/flows/${enc(id)}`),
  createFlow: (flow: Flow) => request<{ id: string; revision: number }>('POST', '/api/flows', flow),
  saveFlow: (id: string, flow: Flow) => request<{ id: string; revision: number }>('PUT', `/api/flows/${enc(id)}`, flow),
  deleteFlow: (id: string) => request<{ id: string; deleted: boolean }>('DELETE', `/api/flows/${enc(id)}`),
  startRun: (body: { flowId?: string; flow?: Flow; inputs?: Record<string, unknown>; target?: RunTarget }) =>
    request<{ runId: string }>('POST', '/api/runs', body),
  listRuns: async (flowId?: string, limit = 30) => ({
    runs: await request<RunSummary[]>('GET', `/api/runs?${flowId ? `flowId=${enc(flowId)}&` : ''}limit=${limit}`),
  }),
  getRun: (id: string) => request<RunRecord & { lastSeq?: number; seq?: number }>('GET', `/api/runs/${enc(id)}`),
  getRunFlow: (id: string) => request<Flow>('GET', `/api/runs/${enc(id)}/flow`),
  /** Attaches runs made before the flow's first save (runs of no flow) to it; answers the ids attached. */
  attachRuns: (flowId: string, runIds: string[]) => request<{ attached: string[] }>('POST', `/api/flows/${enc(flowId)}/runs`, { runIds }),
  cancelRun: (id: string) => request<{ id: string; status: string }>('POST', `/api/runs/${enc(id)}/cancel`),
  /** Stores an image (gallery entry `upload`); `prompt` names it, `parent` keeps lineage. */
  upload: (blob: Blob, options: { parent?: string; prompt?: string } = {}) => {
    const q = new URLSearchParams();
    if (options.parent) q.set('parent', options.parent);
    if (options.prompt) q.set('prompt', options.prompt);
    return request<Artifact>('POST', `/api/uploads${q.size ? `?${q}` : ''}`, new RawBody(blob, blob.type || 'application/octet-stream'));
  },
};

export function withToken(url: string): string {
  if (!apiToken) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${enc(apiToken)}`;
}

export function artifactUrl(artifact: Artifact, thumbnail = false): string {
  const base = artifact.url || `/api/artifacts/${artifact.artifact}`;
  return withToken(thumbnail ? `${base}/thumbnail` : base);
}

export function webSocketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return withToken(`${scheme}//${location.host}/api/ws`);
}
