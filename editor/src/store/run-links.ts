// Runs of a flow made before its first save carry no flow id on the server. The editor notes them
// and, when the flow is first saved, attaches them to its new id on the server
// (POST /api/flows/:id/runs), so the flow's runs and latest results include them for everyone.
// When that call fails, this browser links them instead (localStorage), and a toast says so.
import { api } from '../api/client';
import { toast, useEditor } from './store';

const PREFIX = 'atelier.flowRuns:';
/** Runs kept per flow: the newest ones matter (the server takes up to 200 at once). */
const LIMIT = 50;

let unsaved: string[] = [];

export function noteUnsavedRun(runId: string): void {
  unsaved = [runId, ...unsaved.filter((id) => id !== runId)].slice(0, LIMIT);
}

/** Attaches the runs made while the flow was unsaved to its new id, on the server if it can. */
export async function attachUnsavedRuns(flowId: string): Promise<void> {
  if (!unsaved.length) return;
  const runIds = unsaved;
  unsaved = [];
  try {
    const { attached } = await api.attachRuns(flowId, runIds);
    const now = new Set(attached);
    useEditor.setState((s) => ({ runs: s.runs.map((r) => (now.has(r.id) ? { ...r, flowId } : r)) }));
  } catch (error) {
    const kept = linkLocally(flowId, runIds);
    toast(
      `The server did not attach the ${runIds.length} run${runIds.length > 1 ? 's' : ''} made before saving (${(error as Error).message}); ` +
        (kept ? 'this browser keeps them linked to the flow instead' : 'they stay listed under “Unsaved flows”'),
      'error',
    );
  }
}

/** The fallback: links runs to a flow in this browser only. False when storage is unavailable. */
function linkLocally(flowId: string, runIds: string[]): boolean {
  const ids = [...runIds, ...linkedRuns(flowId)].slice(0, LIMIT);
  try {
    localStorage.setItem(PREFIX + flowId, JSON.stringify(ids));
    return true;
  } catch {
    return false;
  }
}

/** Run ids linked to this flow in this browser (the fallback), newest first. */
export function linkedRuns(flowId: string): string[] {
  try {
    const ids = JSON.parse(localStorage.getItem(PREFIX + flowId) ?? '[]');
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

/** Forgets the unsaved runs (a new, empty flow was started). */
export function forgetUnsavedRuns(): void {
  unsaved = [];
}
