// Problems before Run: the flow is validated as it is edited (POST /api/flows/validate), and the
// catalog is probed once for node types whose provider has no key (their preflight `credentials`
// issues), so the palette and canvas can mark them. Providers come from GET /api/providers.
import type { Flow } from '../../../model/flow';
import { request } from '../api/client';
import type { ValidationIssue } from '../api/types';
import { defaultParams } from '../graph/schema-defaults';
import { currentFlow } from '../store/files';
import { toast, useEditor } from '../store/store';

export interface ProviderStatus {
  id: string;
  title: string;
  configured: boolean;
  via?: string[];
  missing?: string[];
  baseUrl?: string;
}

interface ValidateAnswer {
  ok: boolean;
  issues: ValidationIssue[];
}

const get = useEditor.getState;
const set = useEditor.setState;
/** Quiet time after an edit before the flow is checked. */
const CHECK_DELAY_MS = 400;

let checking = 0;

/** Validates the open flow now; the answer replaces the Problems list (a stale answer is dropped). */
export async function checkFlow(): Promise<void> {
  const ticket = ++checking;
  const flow = currentFlow();
  if (!flow.nodes.length) return set({ problems: [] });
  try {
    const answer = await request<ValidateAnswer>('POST', '/api/flows/validate', { flow });
    if (ticket === checking) set({ problems: answer.issues, problemsError: undefined });
  } catch (error) {
    if (ticket === checking) set({ problemsError: `The flow could not be checked: ${(error as Error).message}` });
  }
}

/**
 * Which node types cannot run for lack of a key: one probe flow with a node of every catalog type
 * (default params); their `credentials` issues name the missing variable.
 */
export async function probeKeys(): Promise<void> {
  const catalog = get().catalog;
  if (!catalog) return;
  const flow: Flow = {
    format: 'atelier.flow/1',
    name: 'key probe',
    revision: 0,
    inputs: {},
    outputs: {},
    nodes: catalog.nodes.map((n, i) => ({ id: `probe-${i}`, type: n.type, position: { x: 0, y: 0 }, params: defaultParams(n.params) })),
    edges: [],
  };
  try {
    const answer = await request<ValidateAnswer>('POST', '/api/flows/validate', { flow });
    const missingKeys: Record<string, string> = {};
    for (const issue of answer.issues) {
      if (issue.code !== 'credentials' || !issue.nodeId) continue;
      const type = catalog.nodes[Number(issue.nodeId.slice('probe-'.length))]?.type;
      if (type) missingKeys[type] = missingKeys[type] ? `${missingKeys[type]}; ${issue.message}` : issue.message;
    }
    set({ missingKeys });
  } catch (error) {
    toast(`Could not check which providers have keys: ${(error as Error).message}`, 'error');
  }
}

export async function loadProviders(): Promise<void> {
  try {
    set({ providers: await request<ProviderStatus[]>('GET', '/api/providers') });
  } catch (error) {
    toast(`Could not list providers: ${(error as Error).message}`, 'error');
  }
}

/** Re-reads the server's .env, then everything that depends on keys. */
export async function reloadConfiguration(): Promise<void> {
  try {
    const providers = await request<ProviderStatus[]>('POST', '/api/providers/reload');
    set({ providers });
    await Promise.all([probeKeys(), checkFlow()]);
    const missing = providers.filter((p) => !p.configured).length;
    toast(missing ? `Configuration reloaded: ${missing} provider${missing > 1 ? 's' : ''} still without keys` : 'Configuration reloaded: every provider is configured');
  } catch (error) {
    toast(`Reload failed: ${(error as Error).message}`, 'error');
  }
}

/** Starts checking the flow as it is edited; returns a stop function. */
export function startChecks(): () => void {
  void loadProviders();
  void probeKeys();
  void checkFlow();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = useEditor.subscribe((s, prev) => {
    if (s.nodes === prev.nodes && s.edges === prev.edges && s.meta === prev.meta) return;
    // Moving nodes changes no problem.
    if (s.edges === prev.edges && s.meta === prev.meta && s.nodes.length === prev.nodes.length && s.nodes.every((n, i) => n.data === prev.nodes[i].data && n.id === prev.nodes[i].id)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void checkFlow(), CHECK_DELAY_MS);
  });
  return () => {
    clearTimeout(timer);
    unsubscribe();
  };
}
