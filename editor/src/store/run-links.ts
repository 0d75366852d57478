// Runs of a flow made before its first save carry no flow id on the server. The editor notes them
// and, when the flow is first saved, links them to its new id in this browser (localStorage), so
// the flow's latest results and run list include them.
const PREFIX = 'atelier.flowRuns:';
/** Runs kept per flow: the newest ones matter. */
const LIMIT = 50;

let unsaved: string[] = [];

export function noteUnsavedRun(runId: string): void {
  unsaved = [runId, ...unsaved.filter((id) => id !== runId)].slice(0, LIMIT);
}

/** Links the runs made while the flow was unsaved to its new id. */
export function linkUnsavedRuns(flowId: string): void {
  if (!unsaved.length) return;
  const ids = [...unsaved, ...linkedRuns(flowId)].slice(0, LIMIT);
  unsaved = [];
  try {
    localStorage.setItem(PREFIX + flowId, JSON.stringify(ids));
  } catch {
    /* storage unavailable: the runs stay listed under "Unsaved flows" */
  }
}

/** Run ids linked to this flow in this browser, newest first. */
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
