import type { DataType } from './artifact';

/** An edge may join equal data types; `any` joins everything. */
export function canConnect(source: DataType, target: DataType): boolean {
  return source === target || source === 'any' || target === 'any';
}
