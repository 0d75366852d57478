// The order people read names in (String.prototype.localeCompare, ICU's collation) without loading
// ICU's collation data — ~10–25 ms the first time in a process, paid by the first GET /api/nodes and
// GET /api/flows of every server start — for the names it is sure of: ASCII letters, digits, spaces
// and hyphens, where ICU's root order is the code point order of the lower-cased text, and between
// two names equal but for case, lower case first at the first difference. compare-names.test.ts
// checks this against localeCompare itself; any other name goes to localeCompare.
const PLAIN = /^[A-Za-z0-9 -]*$/;

export function compareNames(a: string, b: string): number {
  if (!PLAIN.test(a) || !PLAIN.test(b)) return a.localeCompare(b);
  const lowerA = a.toLowerCase();
  const lowerB = b.toLowerCase();
  if (lowerA !== lowerB) return lowerA < lowerB ? -1 : 1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] === lowerA[i] ? -1 : 1;
  }
  return 0;
}

/** The order saved flows are listed in: by name, then by id. */
export function byNameThenId(a: { name: string; id: string }, b: { name: string; id: string }): number {
  return compareNames(a.name, b.name) || compareNames(a.id, b.id);
}
