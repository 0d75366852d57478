// The Select object dialog's input image: from the run on screen, else by running the flow up to the
// node that makes it (upstream results come from the cache).
import { useEffect, useState } from 'react';
import { isArtifact, type Artifact } from '../../../../model/artifact';
import { currentFlow } from '../../store/files';
import type { PointPromptCapability } from '../capabilities';
import { inputValue, upstreamOf } from '../graph-lookup';
import { runUpTo } from '../workspace-api';

export function useSegmentInput(nodeId: string, cap: PointPromptCapability | null | undefined): { image: Artifact | null; error: string | null } {
  const [image, setImage] = useState<Artifact | null>(null);
  const [error, setError] = useState<string | null>(null);
  const imageInput = cap?.imageInput;
  useEffect(() => {
    if (!imageInput) return;
    const shown = inputValue(nodeId, imageInput);
    if (isArtifact(shown)) return void setImage(shown);
    const up = upstreamOf(nodeId, imageInput);
    if (!up) return void setError(`Connect an image to “${imageInput}” first.`);
    let live = true;
    runUpTo(currentFlow(), up.source)
      .then((record) => {
        if (!live) return;
        const value = record.nodes[up.source]?.outputs?.[up.port];
        if (isArtifact(value)) setImage(value);
        else setError(record.nodes[up.source]?.error ?? `The node ${up.source} gave no image.`);
      })
      .catch((e: Error) => live && setError(`Could not get the input image: ${e.message}`));
    return () => {
      live = false;
    };
  }, [nodeId, imageInput]);
  return { image, error };
}
