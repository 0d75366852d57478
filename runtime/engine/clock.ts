// Event timestamps: events come in bursts, so the ISO string is formatted once per millisecond.
let lastMs = 0;
let lastIso = '';

/** new Date().toISOString(), formatted once per millisecond. */
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
