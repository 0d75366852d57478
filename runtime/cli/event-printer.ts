// One line per node event; on a terminal, the current progress is redrawn in place.
import type { RunEvent } from '../../model/events';

export function createEventPrinter(out: NodeJS.WriteStream, tty = Boolean(out.isTTY)) {
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) out.write('\r\x1b[2K');
    progressShown = false;
  };
  const line = (text: string) => {
    clearProgress();
    out.write(text + '\n');
  };
  return (event: RunEvent) => {
    switch (event.type) {
      case 'run.started':
        line(`run ${event.runId} started${event.worker ? ` on worker ${event.worker}` : ''}`);
        break;
      case 'run.resumed':
        line(`run ${event.runId} resumed on worker ${event.worker} (attempt ${event.attempt}; finished nodes come from the cache)`);
        break;
      case 'node.started':
        line(`  ${event.nodeId}: running`);
        break;
      case 'node.progress': {
        const text = `  ${event.nodeId}: ${Math.round(event.fraction * 100)}%${event.message ? ` ${event.message}` : ''}`;
        if (tty) {
          clearProgress();
          out.write(text.slice(0, (out.columns || 100) - 1));
          progressShown = true;
        } else line(text);
        break;
      }
      case 'node.finished':
        line(`  ${event.nodeId}: ${event.cached ? 'cached' : `done in ${event.durationMs} ms`}${event.backend ? ` (backend: ${event.backend})` : ''}`);
        break;
      case 'node.failed':
        line(`  ${event.nodeId}: FAILED: ${event.error}`);
        break;
      case 'node.skipped':
        line(`  ${event.nodeId}: skipped (${event.reason})`);
        break;
      case 'run.finished':
        line(`run ${event.runId} ${event.status}`);
        break;
    }
  };
}
