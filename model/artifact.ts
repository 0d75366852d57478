// Data types of ports and the artifact handle: how images, masks and 3D models travel.
export type DataType = 'text' | 'number' | 'image' | 'mask' | 'model3d' | 'json' | 'any';

export const DATA_TYPES: readonly DataType[] = ['text', 'number', 'image', 'mask', 'model3d', 'json', 'any'];

/** Data types whose values are artifact handles (bytes live in the artifact store). */
export const ARTIFACT_TYPES: ReadonlySet<DataType> = new Set(['image', 'mask', 'model3d']);

export interface PortSpec {
  type: DataType;
  title?: string;
  description?: string;
  /** An optional input may stay unconnected; `run` then gets `default` (or undefined). */
  optional?: boolean;
  default?: unknown;
}

/** How an artifact travels between nodes, in events and over HTTP. */
export interface Artifact {
  artifact: string; // sha256 hex of the stored bytes
  url: string; // /api/artifacts/<hash>
  mediaType: string;
  width?: number;
  height?: number;
}

export function isArtifact(value: unknown): value is Artifact {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Artifact).artifact === 'string' &&
    typeof (value as Artifact).mediaType === 'string'
  );
}
