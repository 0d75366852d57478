/** Whether the object has any enumerable key, without building the array Object.keys would (run hot paths). */
export function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}
